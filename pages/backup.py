"""Backup page: count, back up every row with progress per category, download, summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from mvdb_core.backup import backup
from mvdb_core.backup_file import default_name
from mvdb_core.categories import BY_NAME, CATEGORY_NAMES, group_totals
from ui import charts, common
from ui.common import t

common.require_app()

st.title("💾 " + t("backup.title"))
st.caption(t("backup.intro"))

conn = common.current_connection()
st.markdown(t("backup.source", store=conn.label(), table=conn.table))

with common.guard():
    counts = common.store_counts(conn)

if counts is None:
    st.warning(t("backup.table_missing", table=conn.table), icon="⚠️")
    st.markdown(t("backup.table_missing_todo_" + ("sqlite" if conn.kind == "sqlite" else "remote")))
    st.stop()

if sum(counts.values()) == 0:
    with common.guard(), conn.open() as store:
        reason = store.empty_reason()
    st.warning(t("backup.empty", table=conn.table), icon="⚠️")
    if reason:
        st.markdown(t("backup.empty_reason", reason=common.md_escape(reason)))
    st.markdown(t("backup.empty_todo_" + ("sqlite" if conn.kind == "sqlite" else "remote")))
    st.stop()


def _progress_table(done: dict[str, int], totals: dict[str, int]) -> pd.DataFrame:
    names = [n for n in CATEGORY_NAMES if totals.get(n) or done.get(n)]
    return pd.DataFrame(
        {
            t("col.category"): [common.category_label(n) for n in names],
            t("col.done"): [done.get(n, 0) for n in names],
            t("col.total"): [totals.get(n, 0) for n in names],
            t("col.status"): ["✅" if done.get(n, 0) >= totals.get(n, 0) else "⏳" for n in names],
        }
    )


if st.button("🚀 " + t("backup.create"), type="primary", key="create_backup"):
    st.session_state.pop("last_backup", None)
    with st.status(t("backup.running"), expanded=True) as status:
        try:
            with conn.open() as store:
                st.write(t("backup.counting"))
                totals = store.count()
                grand = sum(totals.values())
                bar = st.progress(0.0, text=t("backup.progress", done=0, total=grand))
                table = st.empty()
                common.table(_progress_table({}, totals), table)
                ticker = common.Ticker(0.25)

                def step(done: int, so_far: dict[str, int]) -> None:
                    if ticker.due():
                        bar.progress(min(done / max(grand, 1), 1.0), text=t("backup.progress", done=done, total=grand))
                        common.table(_progress_table(so_far, totals), table)

                result = backup(store, None, progress=step)
        except Exception as exc:  # noqa: BLE001 - explained to the admin, no traceback
            status.update(label=t("backup.failed"), state="error", expanded=True)
            common.show_error(exc)
            st.stop()
        meta = result.metadata
        bar.progress(1.0, text=t("backup.progress", done=meta["totalItems"], total=meta["totalItems"]))
        common.table(_progress_table(meta["categories"], meta["categories"]), table)
        status.update(label=t("backup.done", rows=meta["totalItems"]), state="complete", expanded=False)
    st.session_state["last_backup"] = {"path": str(result.path), "metadata": meta, "store": conn.identity()}

last = st.session_state.get("last_backup")
if last and Path(last["path"]).exists():
    meta = last["metadata"]
    path = Path(last["path"])
    st.success(t("backup.ready", rows=meta["totalItems"], file=path.name), icon="✅")
    st.download_button(
        "📁 " + t("backup.download"),
        data=common.file_reader(path),
        file_name=default_name(),
        mime="application/json",
        type="primary",
        on_click="ignore",
        key="download_backup",
    )
    st.caption(t("backup.saved_at", path=str(path), sha=meta["sha256"][:16]))

    st.subheader(t("backup.summary"))
    groups = group_totals(meta["categories"])
    cols = st.columns(4)
    for col, (name, value) in zip(cols, groups.items()):
        col.metric(t("group." + name), common.tr().number(value), border=True)

    names = [n for n in CATEGORY_NAMES if meta["categories"].get(n)]
    df = pd.DataFrame(
        {
            "category": [common.category_label(n) for n in names],
            "group": [t("group." + BY_NAME[n].group) for n in names],
            "rows": [meta["categories"][n] for n in names],
        }
    )
    left, right = st.columns([2, 3])
    common.table(
        df.rename(columns={"category": t("col.category"), "group": t("col.group"), "rows": t("col.rows")}), left
    )
    right.altair_chart(charts.bar(df, "category", "rows", t("col.category"), t("col.rows")), width="stretch")
    st.info(t("backup.tips"), icon="💡")
