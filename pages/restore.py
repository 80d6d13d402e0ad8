"""Restore page: upload, validate, plan, choose, confirm, write with progress, verify, snapshot download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core.backup_file import BackupFile
from mvdb_core.categories import CATEGORY_NAMES
from mvdb_core.errors import UsageError
from mvdb_core.restore import RestoreOptions, parse_remap, plan_restore, restore
from ui import common
from ui.common import t

common.require_app()

st.title("♻️ " + t("restore.title"))
st.caption(t("restore.intro"))

conn = common.current_connection()
st.markdown(t("restore.target", store=conn.label(), table=conn.table))

uploaded = st.file_uploader(t("restore.upload"), type=["json"], key="restore_upload", help=t("restore.upload_help"))
backup_file = common.use_upload(uploaded, "restore_upload")
if backup_file is None:
    st.info(t("restore.no_file"), icon="📂")
    st.stop()

# 1. Validation first: nothing else is shown for a file that is not a sound backup.
with st.spinner(t("restore.validating")):
    check = common.validation(backup_file["path"])
if not check["ok"]:
    st.error(t("restore.invalid", file=backup_file["name"]), icon="🚫")
    common.show_error(check["error"])
    st.stop()

meta: dict[str, Any] = check["metadata"]
counts: dict[str, int] = check["counts"]
st.success(t("restore.valid", file=backup_file["name"], rows=check["total"]), icon="✅")

# 2. What the file holds.
st.subheader(t("restore.metadata"))
source = meta.get("source") or {}
where = source.get("projectId") or source.get("host") or source.get("path") or meta.get("sourceProjectId") or "—"
if source.get("kind"):
    where = f"{t('kind.' + source['kind'])}: {where}" + (f" ({source['table']})" if source.get("table") else "")
stamp = str(meta.get("timestamp") or "—")[:19].replace("T", " ")
st.markdown(
    f"| {t('restore.meta_date')} | {t('restore.meta_source')} | {t('restore.meta_version')} | "
    f"{t('restore.meta_rows')} |\n|---|---|---|---|\n"
    f"| {common.md_escape(stamp)} | {common.md_escape(str(where))} | {common.md_escape(check['version'] or '—')} | "
    f"{common.tr().number(check['total'])} |"
)
if check["legacy"]:
    st.info(t("restore.legacy_note"), icon="🕰️")
if check["total"] == 0:
    st.warning(t("restore.empty_file"), icon="⚠️")
    st.stop()

# 3. Options.
st.subheader(t("restore.options"))
present = [n for n in CATEGORY_NAMES if counts.get(n)]
col_a, col_b = st.columns(2)
mode = col_a.radio(
    t("restore.mode"),
    ["merge", "mirror"],
    format_func={m: t("restore.mode_" + m) for m in ("merge", "mirror")}.get,
    captions=[t("restore.mode_merge_help"), t("restore.mode_mirror_help")],
    key="restore_mode",
)
every = col_b.checkbox(t("restore.all_categories", n=len(present)), value=True, key="restore_all",
                       help=t("restore.categories_help"))
cats = present
if not every:
    cats = col_b.multiselect(
        t("restore.categories"),
        present,
        default=present,
        format_func={n: f"{common.category_label(n)} ({common.tr().number(counts[n])})" for n in present}.get,
        key="restore_categories",
    )
repair = col_b.checkbox(
    t("restore.legacy_repair"), value=True, key="restore_repair", help=t("restore.legacy_repair_help"),
    disabled=not check["legacy"],
)
remap_text = col_b.text_area(
    t("restore.remap"), key="restore_remap", placeholder="old-user-id=new-user-id", help=t("restore.remap_help"),
    height=80,
)

if not cats:
    st.warning(t("restore.no_categories"))
    st.stop()

try:
    remap = parse_remap([line for line in (remap_text or "").splitlines() if line.strip()])
    options = RestoreOptions(
        mode=mode,
        categories=None if set(cats) == set(present) else frozenset(cats),
        legacy_repair=repair,
        remap=remap,
        snapshot_dir=Path("backups/snapshots"),
    )
except UsageError as exc:
    common.show_error(exc)
    st.stop()

fingerprint = (backup_file["file_id"], conn.identity(), mode, tuple(sorted(cats)), repair, tuple(sorted(remap.items())))


def _plan_table(plan_dict: dict[str, Any]) -> pd.DataFrame:
    rows = plan_dict["categories"]
    names = [n for n in CATEGORY_NAMES if n in rows]
    # categories where something happens first
    names.sort(key=lambda n: not (rows[n]["added"] or rows[n]["changed"] or rows[n]["extra"]))
    return pd.DataFrame(
        {
            t("col.category"): [common.category_label(n) for n in names],
            t("col.added"): [rows[n]["added"] for n in names],
            t("col.changed"): [rows[n]["changed"] for n in names],
            t("col.unchanged"): [rows[n]["unchanged"] for n in names],
            t("col.extra"): [rows[n]["extra"] for n in names],
        }
    )


# 4. The plan (a dry run): compare the file with the connected store.
if st.button("🔍 " + t("restore.plan_button"), key="restore_plan_button"):
    st.session_state.pop("restore_result", None)
    common.data_changed()  # the plan reads the store afresh: so does the sidebar's row count
    with st.spinner(t("restore.planning")), common.guard(), conn.open() as store:
        plan = plan_restore(BackupFile(backup_file["path"]), store, options)
    st.session_state["restore_plan"] = {"fingerprint": fingerprint, "plan": plan.as_dict(),
                                        "writes": plan.writes, "deletes": plan.deletes}

planned = st.session_state.get("restore_plan")
result = st.session_state.get("restore_result")
if planned and planned["fingerprint"] != fingerprint:
    planned = None
    if result is None or result["fingerprint"] != fingerprint:
        st.info(t("restore.plan_outdated"), icon="🔁")

if planned:
    p = planned["plan"]
    done = result is not None and result["fingerprint"] == fingerprint
    st.subheader(t("restore.plan_title_done" if done else "restore.plan_title", mode=t("restore.mode_" + p["mode"])))
    plan_df = _plan_table(p)
    common.table(plan_df)
    tot = p["totals"]
    if not done:
        st.markdown(t("restore.plan_summary", added=tot["added"], changed=tot["changed"],
                      unchanged=tot["unchanged"], extra=tot["extra"]))
    if tot["extra"] and not done:
        st.markdown(t("restore.extra_" + p["mode"], extra=tot["extra"]))
    if p["legacyRepaired"]:
        st.markdown(t("restore.repaired", n=p["legacyRepaired"]))
    if p["remappedKeys"] or p["userIdRewrites"]:
        st.markdown(t("restore.remapped", keys=len(p["remappedKeys"]), values=p["userIdRewrites"]))

    if result is None or result["fingerprint"] != fingerprint:
        if planned["writes"] == 0 and planned["deletes"] == 0:
            st.success(t("restore.nothing_to_do"), icon="✅")
        else:
            # 5. Explicit confirmation before anything is written.
            confirmed = st.checkbox(
                t("restore.confirm", writes=planned["writes"], deletes=planned["deletes"], table=conn.table,
                  store=conn.label()),
                key="restore_confirm",
            )
            if st.button("♻️ " + t("restore.run"), type="primary", disabled=not confirmed, key="restore_run"):
                with st.status(t("restore.running"), expanded=True) as status:
                    bars = {stage: st.progress(0.0, text=t("restore.stage_" + stage)) for stage in ("plan", "write",
                                                                                                   "verify")}
                    ticker = common.Ticker(0.2)
                    expected = check["total"]

                    def step(stage: str, done: int, total: int | None) -> None:
                        if stage in bars and ticker.due():
                            whole = total or expected
                            bars[stage].progress(min(done / max(whole, 1), 1.0),
                                                 text=f"{t('restore.stage_' + stage)}: {common.tr().number(done)}")

                    def as_checked(plan: Any) -> bool:
                        """Write only what the admin confirmed: the store must not have changed since."""
                        return plan.as_dict()["categories"] == planned["plan"]["categories"]

                    try:
                        with conn.open() as store:
                            outcome = restore(BackupFile(backup_file["path"]), store, options, step, as_checked)
                    except Exception as exc:  # noqa: BLE001 - explained to the admin, no traceback
                        common.data_changed()
                        status.update(label=t("restore.failed"), state="error", expanded=True)
                        common.show_error(exc)
                        st.stop()
                    if outcome.cancelled:
                        common.data_changed()
                        st.session_state.pop("restore_plan", None)
                        status.update(label=t("restore.changed_since_plan"), state="error", expanded=True)
                        st.warning(t("restore.changed_since_plan_help"), icon="🔁")
                        st.stop()
                    for stage, bar in bars.items():
                        bar.progress(1.0, text=t("restore.stage_" + stage) + " ✅")
                    status.update(label=t("restore.done"), state="complete", expanded=False)
                common.data_changed()
                st.session_state["restore_result"] = {
                    "fingerprint": fingerprint,
                    "written": outcome.written,
                    "deleted": outcome.deleted,
                    "verified": outcome.verified,
                    "snapshot": str(outcome.snapshot) if outcome.snapshot else None,
                }
                st.rerun()

result = st.session_state.get("restore_result")
if result and result["fingerprint"] == fingerprint:
    # 6. The outcome: verification and the safety snapshot.
    if result["verified"]:
        st.success(t("restore.verified", written=result["written"], deleted=result["deleted"]), icon="✅")
    if result["snapshot"] and Path(result["snapshot"]).exists():
        st.markdown(t("restore.snapshot_help"))
        st.download_button(
            "🛟 " + t("restore.snapshot_download"),
            data=common.file_reader(result["snapshot"]),
            file_name=Path(result["snapshot"]).name,
            mime="application/json",
            on_click="ignore",
            key="download_snapshot",
        )
    else:
        st.caption(t("restore.no_snapshot"))
    st.page_link("pages/statistics.py", label=t("restore.see_statistics"), icon="📊")
