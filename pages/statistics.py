"""Statistics page: the connected store and an uploaded backup, side by side when both are there."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core.statistics import Statistics, compare_counts
from ui import charts, common
from ui.common import t

common.require_app()

st.title("📊 " + t("stats.title"))
st.caption(t("stats.intro"))

conn = common.current_connection()
uploaded = st.file_uploader(t("stats.upload"), type=["json"], key="stats_upload", help=t("stats.upload_help"))
backup_file = common.use_upload(uploaded, "stats_upload")
if backup_file is not None and uploaded is None:
    st.caption(t("stats.using_upload", file=backup_file["name"]))

sides: list[tuple[str, Statistics]] = []

with common.guard(stop=False):
    counts = common.store_counts(conn)
    if counts is None:
        st.warning(t("stats.table_missing", table=conn.table), icon="⚠️")
    else:
        with st.spinner(t("stats.reading_store")):
            sides.append((t("stats.side_store", store=conn.name), common.store_stats(conn, sum(counts.values()))))

if backup_file is not None:
    check = common.validation(backup_file["path"])
    if not check["ok"]:
        st.error(t("restore.invalid", file=backup_file["name"]), icon="🚫")
        common.show_error(check["error"])
    else:
        with common.guard(stop=False), st.spinner(t("stats.reading_backup")):
            sides.append((t("stats.side_backup", file=backup_file["name"]), common.backup_stats(backup_file["path"])))

if not sides:
    st.info(t("stats.nothing"), icon="ℹ️")
    st.stop()

frames: list[tuple[str, dict[str, Any], Statistics]] = [(name, s.frames(), s) for name, s in sides]
fmt = common.tr().number


def _columns() -> list[Any]:
    return list(st.columns(len(frames))) if len(frames) > 1 else [st.container()]


def _empty_note(col: Any, df: pd.DataFrame, value: str) -> bool:
    if len(df) == 0 or int(df[value].sum()) == 0:
        col.caption(t("stats.none"))
        return True
    return False


# Totals
st.subheader(t("stats.totals"))
for col, (name, _f, s) in zip(_columns(), frames):
    col.markdown(f"**{name}**")
    items = list(s.groups.items())
    rows = [items] if len(frames) == 1 else [items[:2], items[2:]]  # 2 x 2 when side by side
    for row in rows:
        for m, (group, value) in zip(col.columns(len(row)), row):
            m.metric(t("group." + group), fmt(value), border=True)
    col.caption(t("stats.size", mb=f"{s.total_bytes / 1e6:,.1f}"))

# Comparison, when both are there
if len(frames) == 2:
    diff = compare_counts(frames[0][2], frames[1][2])
    changed = [r for r in diff if r["difference"]]
    st.subheader(t("stats.compare"))
    if not changed:
        st.success(t("stats.same"), icon="✅")
    else:
        st.warning(t("stats.differs", n=len(changed)), icon="⚖️")
    diff = sorted(diff, key=lambda r: r["difference"] == 0)  # differences first
    common.table(
        pd.DataFrame(
            {
                t("col.category"): [common.category_label(r["category"]) for r in diff],
                t("stats.col_store"): [r["left"] for r in diff],
                t("stats.col_backup"): [r["right"] for r in diff],
                t("col.difference"): [r["difference"] for r in diff],
            }
        )
    )

# Per category
st.subheader(t("stats.per_category"))
for col, (name, f, _s) in zip(_columns(), frames):
    col.markdown(f"**{name}**")
    df = f["categories"]
    df = df[df["rows"] > 0].copy()
    df["category"] = [common.category_label(n) for n in df["category"]]
    df["group"] = [t("group." + g) for g in df["group"]]
    col.altair_chart(charts.bar(df, "category", "rows", t("col.category"), t("col.rows")), width="stretch")
    common.table(
        df.rename(columns={"category": t("col.category"), "group": t("col.group"), "rows": t("col.rows"),
                           "bytes": t("col.bytes")}),
        col,
    )

# Master data by type, favorites by type
st.subheader(t("stats.master_and_favorites"))
for col, (name, f, _s) in zip(_columns(), frames):
    col.markdown(f"**{name}**")
    a, b = col.columns(2)
    master = f["master"].copy()
    master["type"] = [t("master." + x) for x in master["type"]]
    a.caption(t("stats.master_by_type"))
    if not _empty_note(a, master, "rows"):
        a.altair_chart(charts.bar(master, "type", "rows", t("col.type"), t("col.rows")), width="stretch")
    fav = f["favorites"].copy()
    fav["type"] = [common.label_or("fav." + x, x) for x in fav["type"]]
    b.caption(t("stats.favorites_by_type"))
    if not _empty_note(b, fav, "rows"):
        b.altair_chart(charts.bar(fav, "type", "rows", t("col.type"), t("col.rows")), width="stretch")

# Movies per release year
st.subheader(t("stats.years"))
for col, (name, f, _s) in zip(_columns(), frames):
    col.markdown(f"**{name}**")
    years = f["years"]
    if len(years) == 0:
        col.caption(t("stats.none"))
        continue
    years = years.assign(year=[t("stats.unknown") if y == "unknown" else y for y in years["year"]])
    col.altair_chart(
        charts.years(years, t("col.year"), t("col.movies"),
                     {"movies": common.category_label("movies"), "sc_movies": common.category_label("sc_movies")}),
        width="stretch",
    )

# Largest values
st.subheader(t("stats.largest"))
st.caption(t("stats.largest_help"))
for col, (name, f, _s) in zip(_columns(), frames):
    col.markdown(f"**{name}**")
    largest = f["largest"].copy()
    largest["category"] = [common.category_label(n) for n in largest["category"]]
    common.table(
        largest[["key", "category", "bytes"]].rename(
            columns={"key": t("col.key"), "category": t("col.category"), "bytes": t("col.bytes")}
        ),
        col,
    )
