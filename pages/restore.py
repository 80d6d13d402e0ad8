"""Restore page: upload, validate, plan, choose, confirm, write with progress, verify, snapshot download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from mvdb_core.backup_file import BackupFile
from mvdb_core.categories import CATEGORY_NAMES
from mvdb_core.errors import PlanChanged, UsageError
from mvdb_core.restore import Plan, RestoreOptions, parse_remap, plan_restore, restore
from mvdb_core.stores import KINDS
from ui import cache, connections, downloads, errors, labels, navigation, repositories, sealed, tables, uploads
from ui.connection import Connection
from ui.progress import Bars
from ui.texts import md, number, t
from ui.uploads import Upload

SNAPSHOT_DIR = Path("backups/snapshots")


def render() -> None:
    st.title("♻️ " + t("restore.title"))
    st.caption(t("restore.intro"))
    conn = connections.current()
    st.markdown(t("restore.target", store=md(labels.store(conn)), table=md(conn.table, code=True)))

    upload = _source()
    if upload is None:
        return

    # 1. Validation first: nothing else is shown for a file that is not a sound backup.
    with st.spinner(t("restore.validating")):
        check = cache.validation(upload.path)
    if not check["ok"]:
        errors.show(check["error"], headline=f"**{t('restore.invalid', file=md(upload.name))}**")
        return
    st.success(t("restore.valid", file=md(upload.name), rows=check["total"]), icon="✅")
    _about(check)
    if check["total"] == 0:
        st.warning(t("restore.empty_file"), icon="⚠️")
        return

    chosen = _options(check)
    if chosen is None:
        return
    options, fingerprint = chosen
    fingerprint = (upload.file_id, conn.identity(), *fingerprint)

    # 4. The plan (a dry run): compare the file with the connected store.
    if st.button("🔍 " + t("restore.plan_button"), key="restore_plan_button"):
        _make_plan(conn, upload, options, fingerprint, check["total"])
    _plan_and_run(conn, upload, options, fingerprint, check["total"])


def _source() -> Upload | None:
    """The plain backup file to restore: a snapshot handed over from a repository, or an upload (decoded)."""
    handed = repositories.handed()
    if handed is not None:
        note, button = st.columns([5, 1], vertical_alignment="center")
        note.info(t("restore.from_snapshot", id=handed["id"][:8], repo=md(handed["repository"]),
                    time=md(handed["time"][:19].replace("T", " "))), icon="🗄️")
        button.button("✖️ " + t("restore.snapshot_drop"), key="restore_snapshot_drop",
                      on_click=repositories.drop_handed)
        return handed["upload"]
    upload = uploads.uploader(t("restore.upload"), "restore_upload", t("restore.upload_help"))
    if upload is None:
        st.info(t("restore.no_file"), icon="📂")
        _from_repository()
        return None
    return sealed.plain_upload(upload, "restore_key")


def _from_repository() -> None:
    """Or a snapshot of a configured repository: exported to a private file, then the same checks and plan."""
    configs = repositories.available()
    if not configs:
        return
    with st.expander("🗄️ " + t("restore.repo_title")):
        names = [c.name for c in configs]
        chosen = st.selectbox(t("repo.pick"), names, key="restore_repo")
        cfg = configs[names.index(chosen)]
        with errors.guard(stop=False):
            repo = cfg.open()
            keys = sealed.reading_keys(repo, "restore_repo")
            if keys is None:
                st.caption(t("repo.key_needed"))
                return
            listing = list(reversed(repo.snapshots(keys)))
            if not listing:
                st.caption(t("repo.empty"))
                return
            ids = [s.id for s in listing]
            by_id = {s.id: s for s in listing}
            picked = st.selectbox(t("repo.snapshot"), ids, format_func=lambda i: labels.snapshot(by_id[i]),
                                  key="restore_repo_snapshot")
            if st.button("♻️ " + t("restore.repo_use"), key="restore_repo_use"):
                with st.status(t("repo.exporting"), expanded=True):
                    repositories.hand_to_restore(cfg, repo, by_id[picked], keys)
                st.rerun()


def _about(check: dict[str, Any]) -> None:
    """2. What the file holds: when and where it was made, its format and size (metadata is outside data)."""
    meta: dict[str, Any] = check["metadata"]
    st.subheader(t("restore.metadata"))
    source = meta.get("source") if isinstance(meta.get("source"), dict) else {}
    where = md(source.get("projectId") or source.get("host") or source.get("path") or meta.get("sourceProjectId")
               or "—")
    kind = source.get("kind")
    if kind:
        kind_label = labels.kind(kind) if kind in KINDS else md(kind)
        where = f"{kind_label}: {where}" + (f" ({md(source['table'])})" if source.get("table") else "")
    stamp = md(str(meta.get("timestamp") or "—")[:19].replace("T", " "))
    st.markdown(
        f"| {t('restore.meta_date')} | {t('restore.meta_source')} | {t('restore.meta_version')} | "
        f"{t('restore.meta_rows')} |\n|---|---|---|---|\n"
        f"| {stamp} | {where} | {md(check['version'] or '—')} | {number(check['total'])} |"
    )
    if check["legacy"]:
        st.info(t("restore.legacy_note"), icon="🕰️")


def _options(check: dict[str, Any]) -> tuple[RestoreOptions, tuple[Any, ...]] | None:
    """3. Mode, categories, legacy repair (2.0.0 files only), user remap; None (and a message) when invalid."""
    st.subheader(t("restore.options"))
    counts: dict[str, int] = check["counts"]
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
            format_func={n: f"{labels.category(n)} ({number(counts[n])})" for n in present}.get,
            key="restore_categories",
        )
    repair = False
    if check["legacy"]:  # only a 2.0.0 file has master data to repair
        repair = col_b.checkbox(t("restore.legacy_repair"), value=True, key="restore_repair",
                                help=t("restore.legacy_repair_help"))
    remap_text = col_b.text_area(
        t("restore.remap"), key="restore_remap", placeholder="old-user-id=new-user-id", help=t("restore.remap_help"),
        height=80,
    )
    if not cats:
        st.warning(t("restore.no_categories"))
        return None
    try:
        remap = parse_remap(remap_text or "")
        options = RestoreOptions(
            mode=mode,
            categories=None if set(cats) == set(present) else frozenset(cats),
            legacy_repair=repair,
            remap=remap,
            snapshot_dir=SNAPSHOT_DIR,
        )
    except UsageError as exc:
        errors.show(exc)
        return None
    return options, (mode, tuple(sorted(cats)), repair, tuple(sorted(remap.items())))


def _make_plan(conn: Connection, upload: Upload, options: RestoreOptions, fingerprint: tuple[Any, ...],
               rows: int) -> None:
    """Compare the file with the store; keep the Plan (it is what the admin confirms), then redraw.

    The plan read the store afresh, so the cached counts go too: the sidebar's row count is
    redrawn from the store the plan saw.
    """
    for key in ("restore_result", "restore_failure", "restore_plan"):
        st.session_state.pop(key, None)
    with st.status(t("restore.planning"), expanded=True) as status:
        try:
            with conn.open() as store:
                plan = plan_restore(BackupFile(upload.path), store, options, progress=Bars(rows))
        except Exception as exc:  # explained to the admin, no traceback
            status.update(label=t("restore.plan_failed"), state="error", expanded=True)
            errors.show(exc)
            cache.data_changed()
            return
    st.session_state["restore_plan"] = {"fingerprint": fingerprint, "plan": plan}
    cache.data_changed()
    st.rerun()


def _plan_and_run(conn: Connection, upload: Upload, options: RestoreOptions, fingerprint: tuple[Any, ...],
                  rows: int) -> None:
    planned = st.session_state.get("restore_plan")
    result = st.session_state.get("restore_result")
    result = result if result and result["fingerprint"] == fingerprint else None
    failure = st.session_state.get("restore_failure")
    if planned and planned["fingerprint"] != fingerprint:
        planned = None
        if result is None:
            st.info(t("restore.plan_outdated"), icon="🔁")
    if planned:
        plan: Plan = planned["plan"]
        _show_plan(plan, done=result is not None)
        if result is None:
            _confirm_and_run(conn, upload, options, fingerprint, rows, plan)
    if failure and failure["fingerprint"] == fingerprint:
        _show_failure(failure)
    if result is not None:
        _show_result(result)


def _show_plan(plan: Plan, done: bool) -> None:
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


def _confirm_and_run(conn: Connection, upload: Upload, options: RestoreOptions, fingerprint: tuple[Any, ...],
                     rows: int, plan: Plan) -> None:
    """5. Explicit confirmation; the restore writes only if the store still matches the confirmed plan."""
    if plan.writes == 0 and plan.deletes == 0:
        st.success(t("restore.nothing_to_do"), icon="✅")
        return
    confirmed = st.checkbox(
        t("restore.confirm", writes=plan.writes, deletes=plan.deletes, table=md(conn.table, code=True),
          store=md(labels.store(conn))),
        key="restore_confirm",
    )
    if not st.button("♻️ " + t("restore.run"), type="primary", disabled=not confirmed, key="restore_run"):
        return
    st.session_state.pop("restore_failure", None)
    with st.status(t("restore.running"), expanded=True):
        try:
            with conn.open() as store:
                outcome = restore(BackupFile(upload.path), store, options, progress=Bars(rows), expected=plan)
        except PlanChanged:
            st.session_state.pop("restore_plan", None)  # that plan is void: make a new one
            st.session_state["restore_failure"] = {"fingerprint": fingerprint, "changed": True}
        except Exception as exc:  # explained to the admin after the redraw, no traceback
            st.session_state["restore_failure"] = {"fingerprint": fingerprint, "error": exc}
        else:
            st.session_state["restore_result"] = {
                "fingerprint": fingerprint,
                "written": outcome.written,
                "deleted": outcome.deleted,
                "verified": outcome.verified,
                "snapshot": str(outcome.snapshot) if outcome.snapshot else None,
            }
    cache.data_changed()  # written or not, the store may have changed: the sidebar reads it again
    st.rerun()


def _show_failure(failure: dict[str, Any]) -> None:
    if failure.get("changed"):
        st.warning(f"**{t('restore.changed_since_plan')}**\n\n{t('restore.changed_since_plan_help')}", icon="🔁")
    else:
        errors.show(failure["error"], headline=f"**{t('restore.failed')}**")


def _show_result(result: dict[str, Any]) -> None:
    """6. The outcome: verification and the safety snapshot."""
    if result["verified"]:
        st.success(t("restore.verified", written=result["written"], deleted=result["deleted"]), icon="✅")
    if result["snapshot"] and Path(result["snapshot"]).exists():
        st.markdown(t("restore.snapshot_help"))
        downloads.button("🛟 " + t("restore.snapshot_download"), result["snapshot"], key="download_snapshot")
    else:
        st.caption(t("restore.no_snapshot"))
    st.page_link(navigation.page("statistics"), label=t("restore.see_statistics"), icon="📊")


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
