"""Backup page: count, back up every row with progress, download, summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from mvdb_core.backup import backup
from mvdb_core.backup_file import default_name
from mvdb_core.categories import BY_NAME, CATEGORY_NAMES, group_totals
from ui import cache, charts, connections, downloads, errors, labels, navigation, tables
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
    if st.button("🚀 " + t("backup.create"), type="primary", key="create_backup"):
        _create(conn, counts.total)
    _result()


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


def _create(conn: Connection, total: int) -> None:
    st.session_state.pop("last_backup", None)
    with st.status(t("backup.running"), expanded=True) as status:
        try:
            with conn.open() as store:
                result = backup(store, progress=Bars(total), total=total)
        except Exception as exc:  # explained to the admin, no traceback
            status.update(label=t("backup.failed"), state="error", expanded=True)
            errors.show(exc)
            return
        status.update(label=t("backup.done", rows=result.metadata["totalItems"]), state="complete", expanded=False)
    st.session_state["last_backup"] = {"path": str(result.path), "metadata": result.metadata}


def _result() -> None:
    last = st.session_state.get("last_backup")
    if not last or not Path(last["path"]).exists():
        return
    meta = last["metadata"]
    path = Path(last["path"])
    st.success(t("backup.ready", rows=meta["totalItems"], file=md(path.name)), icon="✅")
    downloads.button("📁 " + t("backup.download"), path, key="download_backup", file_name=default_name(), primary=True)
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


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
