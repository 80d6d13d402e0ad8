"""Backup page: count, back up every row with progress, download, summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from mvdb_core.backup import backup
from mvdb_core.backup_file import default_name
from mvdb_core.categories import BY_NAME, CATEGORY_NAMES, group_totals
from mvdb_core.errors import UsageError
from mvdb_core.keys import Keys, read_recipients
from mvdb_core.sealing import suffix
from ui import cache, charts, connections, downloads, errors, labels, navigation, repositories, sealed, tables
from ui.cache import Counts
from ui.connection import Connection
from ui.progress import Bars
from ui.texts import md, number, t


def render() -> None:
    st.title("💾 " + t("backup.title"))
    st.caption(t("backup.intro"))
    conn = connections.current()
    st.markdown(t("backup.source", store=md(labels.store(conn)), table=md(conn.table, code=True)))
    with errors.guard():
        counts = cache.store_counts(conn)
    if counts.rows is None:
        _no_table(conn, counts)
        return
    if counts.total == 0:
        _empty(conn)
        return
    packing = _packing()
    if st.button("🚀 " + t("backup.create"), type="primary", key="create_backup", disabled=packing is None):
        assert packing is not None
        _create(conn, counts.total, *packing)
    _result()
    _repository(conn, counts.total)


def _packing() -> tuple[str | None, Keys] | None:
    """Compression and encryption of the download; None (and a message) when the public key is not one."""
    left, right = st.columns([1, 2])
    compression = left.radio(
        t("backup.compress"), ["none", "zstd", "gzip"], format_func={
            "none": t("backup.compress_none"), "zstd": "zstd (.zst)", "gzip": "gzip (.gz)"}.get,
        key="backup_compression", horizontal=True, help=t("backup.compress_help"),
    )
    recipient = right.text_input(t("backup.recipient"), key="backup_recipient", placeholder="age1…",
                                 help=t("backup.recipient_help")).strip()
    keys = Keys()
    if recipient:
        try:
            keys.recipients, keys.recipient_texts = read_recipients([recipient])
        except UsageError as exc:  # before anything is written
            errors.show(exc, headline=f"**{t('backup.recipient_invalid')}**")
            return None
    return (None if compression == "none" else compression), keys


def _todo(conn: Connection) -> str:
    return "sqlite" if conn.kind == "sqlite" else "remote"


def _no_table(conn: Connection, counts: Counts) -> None:
    st.warning(t("backup.table_missing", table=md(conn.table, code=True)), icon="⚠️")
    if counts.missing:
        st.markdown(t("backup.missing_reason", reason=md(counts.missing)))
    st.markdown(t("backup.table_missing_todo_" + _todo(conn)))


def _empty(conn: Connection) -> None:
    with errors.guard(), conn.open() as store:
        reason = store.empty_reason()
    st.warning(t("backup.empty", table=md(conn.table, code=True)), icon="⚠️")
    if reason:
        st.markdown(t("backup.empty_reason", reason=md(reason)))
    st.markdown(t("backup.empty_todo_" + _todo(conn)))


def _create(conn: Connection, total: int, compression: str | None, keys: Keys) -> None:
    st.session_state.pop("last_backup", None)
    with st.status(t("backup.running"), expanded=True) as status:
        try:
            with conn.open() as store:
                result = backup(store, progress=Bars(total), total=total, compression=compression, keys=keys)
        except Exception as exc:  # explained to the admin, no traceback
            status.update(label=t("backup.failed"), state="error", expanded=True)
            errors.show(exc)
            return
        status.update(label=t("backup.done", rows=result.metadata["totalItems"]), state="complete", expanded=False)
    st.session_state["last_backup"] = {"path": str(result.path), "metadata": result.metadata,
                                       "suffix": suffix(compression, keys.encrypts)}


def _result() -> None:
    last = st.session_state.get("last_backup")
    if not last or not Path(last["path"]).exists():
        return
    meta = last["metadata"]
    path = Path(last["path"])
    st.success(t("backup.ready", rows=meta["totalItems"], file=md(path.name)), icon="✅")
    sealed_suffix = last.get("suffix", "")
    downloads.button("📁 " + t("backup.download"), path, key="download_backup",
                     file_name=default_name() + sealed_suffix, primary=True, binary=bool(sealed_suffix))
    if sealed_suffix.endswith(".age"):
        st.caption(t("backup.encrypted_note"))
    st.caption(t("backup.saved_at", path=md(str(path), code=True), sha=meta["sha256"][:16]))

    st.subheader(t("backup.summary"))
    for col, (name, value) in zip(st.columns(4), group_totals(meta["categories"]).items()):
        col.metric(labels.group(name), number(value), border=True)

    names = [n for n in CATEGORY_NAMES if meta["categories"].get(n)]
    df = pd.DataFrame(
        {
            "category": [labels.category(n) for n in names],
            "group": [labels.group(BY_NAME[n].group) for n in names],
            "rows": [meta["categories"][n] for n in names],
        }
    )
    left, right = st.columns([2, 3])
    tables.table(
        df.rename(columns={"category": t("col.category"), "group": t("col.group"), "rows": t("col.rows")}), left
    )
    right.altair_chart(charts.bar(df, "category", "rows", t("col.category"), t("col.rows")), width="stretch")
    st.info(t("backup.tips"), icon="💡")


def _repository(conn: Connection, total: int) -> None:
    """Save a snapshot into a configured repository: only the leaves it does not hold yet are added."""
    st.divider()
    st.subheader("🗄️ " + t("backup.repo_title"))
    configs = repositories.available()
    if not configs:
        st.caption(t("backup.repo_none"))
        return
    st.caption(t("backup.repo_intro"))
    names = [c.name for c in configs]
    chosen = st.selectbox(t("repo.pick"), names, key="backup_repo")
    cfg = configs[names.index(chosen)]
    with errors.guard(stop=False):
        repo = cfg.open()
        st.caption(t("repo.where", where=md(cfg.where(), code=True), encryption=t("repo.enc_" + repo.encryption)))
        keys = sealed.writing_keys(repo, "backup_repo")
        tags = st.text_input(t("backup.repo_tags"), key="backup_repo_tags", help=t("backup.repo_tags_help"))
        if st.button("📸 " + t("backup.repo_save"), key="backup_repo_save", disabled=keys is None):
            assert keys is not None
            _snapshot(conn, total, cfg, repo, keys, [x.strip() for x in tags.split(",") if x.strip()])
    last = st.session_state.get("last_snapshot")
    if last and last["repository"] == cfg.name:
        r = last["result"]
        st.success(t("backup.repo_done", id=r.id[:8], rows=r.total, repo=md(cfg.name)), icon="✅")
        st.markdown(t("backup.repo_sizes", added=labels.size(r.new_bytes), new=r.new_leaves,
                      reused=labels.size(r.reused_bytes), old=r.reused_leaves))


def _snapshot(conn: Connection, total: int, cfg: repositories.RepoConfig, repo: repositories.Repository,
              keys: Keys, tags: list[str]) -> None:
    st.session_state.pop("last_snapshot", None)
    with st.status(t("backup.repo_running"), expanded=True) as status:
        try:
            with conn.open() as store:
                result = repo.snapshot(store, keys, tags, progress=Bars(total))
        except Exception as exc:  # explained to the admin, no traceback
            status.update(label=t("backup.repo_failed"), state="error", expanded=True)
            errors.show(exc)
            return
        status.update(label=t("backup.repo_done_short", id=result.id[:8]), state="complete", expanded=False)
    st.session_state["last_snapshot"] = {"repository": cfg.name, "result": result}


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
