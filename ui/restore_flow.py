"""What a restore goes through on a page (Restore, Browse): plan, changed rows side by side, confirmation,
restore with progress, verification, safety snapshot.

One flow per page, named by the page's prefix: its session keys are PREFIX_plan, PREFIX_result,
PREFIX_failure and its widgets PREFIX_plan_button, PREFIX_confirm, PREFIX_run. The plan is what
the admin confirms; the restore writes only while the store still matches it. The backup is
opened afresh for every pass (`open_backup`), as the core reads it more than once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from mvdb_core.backup_file import BackupFile
from mvdb_core.browse import compare_fields, summary
from mvdb_core.errors import PlanChanged
from mvdb_core.restore import Change, Plan, RestoreOptions, changed_rows, plan_restore, restore
from ui import cache, downloads, errors, labels, navigation, tables
from ui.connection import Connection
from ui.progress import Bars
from ui.texts import md, t

SNAPSHOT_DIR = Path("backups/snapshots")
CHANGES_SHOWN = 20
"""Changed rows shown side by side per category (the plan counts them all)."""


@dataclass(frozen=True)
class Flow:
    prefix: str
    open_backup: Callable[[], AbstractContextManager[BackupFile]]
    rows: int
    """Rows in the backup, for the progress bars."""

    def key(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def run(self, conn: Connection, options: RestoreOptions, fingerprint: tuple[Any, ...]) -> None:
        """The plan button, then the plan, confirmation and outcome that belong to `fingerprint`."""
        if st.button("🔍 " + t("restore.plan_button"), key=self.key("plan_button")):
            self._make_plan(conn, options, fingerprint)
        planned = st.session_state.get(self.key("plan"))
        result = st.session_state.get(self.key("result"))
        result = result if result and result["fingerprint"] == fingerprint else None
        failure = st.session_state.get(self.key("failure"))
        if planned and planned["fingerprint"] != fingerprint:
            planned = None
            if result is None:
                st.info(t("restore.plan_outdated"), icon="🔁")
        if planned:
            _show_plan(planned["plan"], planned["changes"], done=result is not None)
            if result is None:
                self._confirm_and_run(conn, options, fingerprint, planned["plan"])
        if failure and failure["fingerprint"] == fingerprint:
            _show_failure(failure)
        if result is not None:
            self._show_result(result)

    def _make_plan(self, conn: Connection, options: RestoreOptions, fingerprint: tuple[Any, ...]) -> None:
        """Compare the backup with the store; keep the Plan and the changed rows to show, then redraw.

        The plan read the store afresh, so the cached counts go too: the sidebar's row count is
        redrawn from the store the plan saw.
        """
        for name in ("result", "failure", "plan"):
            st.session_state.pop(self.key(name), None)
        with st.status(t("restore.planning"), expanded=True) as status:
            try:
                with conn.open() as store, self.open_backup() as backup:
                    plan = plan_restore(backup, store, options, progress=Bars(self.rows))
                    changes = {name: changed_rows(backup, store, options, name, CHANGES_SHOWN)
                               for name, counts in plan.rows() if counts.changed}
            except Exception as exc:  # explained to the admin, no traceback
                status.update(label=t("restore.plan_failed"), state="error", expanded=True)
                errors.show(exc)
                cache.data_changed()
                return
        st.session_state[self.key("plan")] = {"fingerprint": fingerprint, "plan": plan, "changes": changes}
        cache.data_changed()
        st.rerun()

    def _confirm_and_run(self, conn: Connection, options: RestoreOptions, fingerprint: tuple[Any, ...],
                         plan: Plan) -> None:
        """Explicit confirmation; the restore writes only if the store still matches the confirmed plan."""
        if plan.writes == 0 and plan.deletes == 0:
            st.success(t("restore.nothing_to_do"), icon="✅")
            return
        confirmed = st.checkbox(
            t("restore.confirm", writes=plan.writes, deletes=plan.deletes, table=md(conn.table, code=True),
              store=md(labels.store(conn))),
            key=self.key("confirm"),
        )
        if not st.button("♻️ " + t("restore.run"), type="primary", disabled=not confirmed, key=self.key("run")):
            return
        st.session_state.pop(self.key("failure"), None)
        with st.status(t("restore.running"), expanded=True):
            try:
                with conn.open() as store, self.open_backup() as backup:
                    outcome = restore(backup, store, options, progress=Bars(self.rows), expected=plan)
            except PlanChanged:
                st.session_state.pop(self.key("plan"), None)  # that plan is void: make a new one
                st.session_state[self.key("failure")] = {"fingerprint": fingerprint, "changed": True}
            except Exception as exc:  # explained to the admin after the redraw, no traceback
                st.session_state[self.key("failure")] = {"fingerprint": fingerprint, "error": exc}
            else:
                st.session_state[self.key("result")] = {
                    "fingerprint": fingerprint,
                    "written": outcome.written,
                    "deleted": outcome.deleted,
                    "verified": outcome.verified,
                    "snapshot": str(outcome.snapshot) if outcome.snapshot else None,
                }
        cache.data_changed()  # written or not, the store may have changed: the sidebar reads it again
        st.rerun()

    def _show_result(self, result: dict[str, Any]) -> None:
        """The outcome: verification and the safety snapshot."""
        if result["verified"]:
            st.success(t("restore.verified", written=result["written"], deleted=result["deleted"]), icon="✅")
        if result["snapshot"] and Path(result["snapshot"]).exists():
            st.markdown(t("restore.snapshot_help"))
            downloads.button("🛟 " + t("restore.snapshot_download"), result["snapshot"],
                             key=self.key("download_snapshot"))
        else:
            st.caption(t("restore.no_snapshot"))
        st.page_link(navigation.page("statistics"), label=t("restore.see_statistics"), icon="📊")


def _show_plan(plan: Plan, changes: dict[str, tuple[list[Change], bool]], done: bool) -> None:
    st.subheader(t("restore.plan_title_done" if done else "restore.plan_title", mode=t("restore.mode_" + plan.mode)))
    tables.plan_table(plan)
    tot = plan.totals()
    if not done:
        st.markdown(t("restore.plan_summary", added=tot.added, changed=tot.changed, unchanged=tot.unchanged,
                      extra=tot.extra))
        if tot.extra:
            st.markdown(t("restore.extra_" + plan.mode, extra=tot.extra))
    if plan.repaired:
        st.markdown(t("restore.repaired", n=plan.repaired))
    if plan.remapped or plan.user_rewrites:
        st.markdown(t("restore.remapped", keys=len(plan.remapped), values=plan.user_rewrites))
    for name, (found, more) in changes.items():
        with st.expander(t("restore.changed_rows", category=labels.category(name),
                           n=plan.categories[name].changed)):
            for change in found:
                side_by_side(change)
            if more:
                st.caption(t("restore.changed_more", n=len(found)))


def side_by_side(change: Change) -> None:
    """One changed row: each field's value in the store beside the backup's, the differing ones highlighted."""
    st.markdown(f"**{md(change.key, code=True)}** · {md(summary(change.restored))}")
    fields = compare_fields(change.current, change.restored)
    differs = fields.pop("differs")
    shown = fields.rename(columns={"field": t("col.field"), "store": t("col.in_store"),
                                   "backup": t("col.in_backup")})
    styled = shown.style.apply(lambda row: [_HIGHLIGHT if differs[row.name] else ""] * len(row), axis=1)
    st.dataframe(styled, hide_index=True, width="stretch")


_HIGHLIGHT = "background-color: rgba(255, 189, 69, 0.35)"


def _show_failure(failure: dict[str, Any]) -> None:
    if failure.get("changed"):
        st.warning(f"**{t('restore.changed_since_plan')}**\n\n{t('restore.changed_since_plan_help')}", icon="🔁")
    else:
        errors.show(failure["error"], headline=f"**{t('restore.failed')}**")
