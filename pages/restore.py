"""Restore page: upload, validate, plan, choose, confirm, write with progress, verify, snapshot download."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import streamlit as st

from mvdb_core.backup_file import BackupFile
from mvdb_core.categories import CATEGORY_NAMES
from mvdb_core.errors import UsageError
from mvdb_core.restore import RestoreOptions, parse_remap
from mvdb_core.stores import KINDS
from ui import cache, connections, errors, labels, navigation, repositories, sealed, uploads
from ui.restore_flow import SNAPSHOT_DIR, Flow
from ui.texts import md, number, t
from ui.uploads import Upload


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

    # 4. The plan (a dry run): compare the file with the connected store; then confirmation and outcome.
    flow = Flow("restore", lambda: nullcontext(BackupFile(upload.path)), check["total"])
    flow.run(conn, options, fingerprint)


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
        picked = sealed.pick_snapshot(configs, "restore_repo")
        if picked is not None and st.button("♻️ " + t("restore.repo_use"), key="restore_repo_use"):
            with st.status(t("repo.exporting"), expanded=True), errors.guard():  # stop: nothing was handed over
                repositories.hand_to_restore(*picked)
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


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
