"""Statistics page: the connected store and an uploaded backup, side by side when both are there."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core.statistics import Statistics, compare_counts
from ui import cache, charts, connections, errors, labels, navigation, sealed, tables, uploads
from ui.texts import md, number, t, tr


def render() -> None:
    st.title("📊 " + t("stats.title"))
    st.caption(t("stats.intro"))
    sides = _sides()
    if not sides:
        st.info(t("stats.nothing"), icon="ℹ️")
        return
    frames: list[tuple[str, dict[str, Any], Statistics]] = [(name, s.frames(), s) for name, s in sides]
    _totals(frames)
    if len(frames) == 2:
        _compare(frames[0][2], frames[1][2])
    _per_category(frames)
    _by_type(frames)
    _years(frames)
    _largest(frames)


def _sides() -> list[tuple[str, Statistics]]:
    """The store's statistics and the uploaded backup's, each with its (Markdown) name."""
    conn = connections.current()
    upload = uploads.uploader(t("stats.upload"), "stats_upload", t("stats.upload_help"))
    if upload is not None:  # a compressed or encrypted file: its decoded copy (asks for the key)
        upload = sealed.plain_upload(upload, "stats_key")
    sides: list[tuple[str, Statistics]] = []
    with errors.guard(stop=False):
        counts = cache.store_counts(conn)
        if counts.rows is None:
            st.warning(t("stats.table_missing", table=md(conn.table, code=True)), icon="⚠️")
            if counts.missing:
                st.caption(md(counts.missing))
        else:
            with st.spinner(t("stats.reading_store")):
                sides.append((t("stats.side_store", store=md(labels.connection(conn))),
                              cache.store_stats(conn, counts.total)))
    if upload is not None:
        check = cache.validation(upload.path)
        if not check["ok"]:
            errors.show(check["error"], headline=f"**{t('restore.invalid', file=md(upload.name))}**")
        else:
            with errors.guard(stop=False), st.spinner(t("stats.reading_backup")):
                sides.append((t("stats.side_backup", file=md(upload.name)), cache.backup_stats(upload.path)))
    return sides


def _columns(n: int) -> list[Any]:
    return list(st.columns(n)) if n > 1 else [st.container()]


def _empty_note(col: Any, df: pd.DataFrame, value: str) -> bool:
    if len(df) == 0 or int(df[value].sum()) == 0:
        col.caption(t("stats.none"))
        return True
    return False


def _totals(frames: list[tuple[str, dict[str, Any], Statistics]]) -> None:
    st.subheader(t("stats.totals"))
    for col, (name, _f, s) in zip(_columns(len(frames)), frames):
        col.markdown(f"**{name}**")
        items = list(s.groups.items())
        rows = [items] if len(frames) == 1 else [items[:2], items[2:]]  # 2 x 2 when side by side
        for row in rows:
            for m, (group, value) in zip(col.columns(len(row)), row):
                m.metric(labels.group(group), number(value), border=True)
        col.caption(t("stats.size", mb=tr().decimal(s.total_bytes / 1e6)))


def _compare(left: Statistics, right: Statistics) -> None:
    diff = compare_counts(left, right)
    changed = [r for r in diff if r["difference"]]
    st.subheader(t("stats.compare"))
    if not changed:
        st.success(t("stats.same"), icon="✅")
    else:
        st.warning(t("stats.differs", n=len(changed)), icon="⚖️")
    diff = sorted(diff, key=lambda r: r["difference"] == 0)  # differences first
    tables.table(
        pd.DataFrame(
            {
                t("col.category"): [labels.category(r["category"]) for r in diff],
                t("stats.col_store"): [r["left"] for r in diff],
                t("stats.col_backup"): [r["right"] for r in diff],
                t("col.difference"): [r["difference"] for r in diff],
            }
        )
    )


def _per_category(frames: list[tuple[str, dict[str, Any], Statistics]]) -> None:
    st.subheader(t("stats.per_category"))
    for col, (name, f, _s) in zip(_columns(len(frames)), frames):
        col.markdown(f"**{name}**")
        df = f["categories"]
        df = df[df["rows"] > 0].copy()
        df["category"] = [labels.category(n) for n in df["category"]]
        df["group"] = [labels.group(g) for g in df["group"]]
        col.altair_chart(charts.bar(df, "category", "rows", t("col.category"), t("col.rows")), width="stretch")
        tables.table(
            df.rename(columns={"category": t("col.category"), "group": t("col.group"), "rows": t("col.rows"),
                               "bytes": t("col.bytes")}),
            col,
        )


def _by_type(frames: list[tuple[str, dict[str, Any], Statistics]]) -> None:
    """Master data by type, favorites by type."""
    st.subheader(t("stats.master_and_favorites"))
    for col, (name, f, _s) in zip(_columns(len(frames)), frames):
        col.markdown(f"**{name}**")
        a, b = col.columns(2)
        master = f["master"].copy()
        master["type"] = [t("master." + x) for x in master["type"]]
        a.caption(t("stats.master_by_type"))
        if not _empty_note(a, master, "rows"):
            a.altair_chart(charts.bar(master, "type", "rows", t("col.type"), t("col.rows")), width="stretch")
        fav = f["favorites"].copy()
        fav["type"] = [labels.or_value("fav." + x, x) for x in fav["type"]]
        b.caption(t("stats.favorites_by_type"))
        if not _empty_note(b, fav, "rows"):
            b.altair_chart(charts.bar(fav, "type", "rows", t("col.type"), t("col.rows")), width="stretch")


def _years(frames: list[tuple[str, dict[str, Any], Statistics]]) -> None:
    """Movies per release year."""
    st.subheader(t("stats.years"))
    for col, (name, f, _s) in zip(_columns(len(frames)), frames):
        col.markdown(f"**{name}**")
        years = f["years"]
        if len(years) == 0:
            col.caption(t("stats.none"))
            continue
        years = years.assign(year=[t("stats.unknown") if y == "unknown" else y for y in years["year"]])
        series = {"movies": labels.category("movies"), "sc_movies": labels.category("sc_movies")}
        col.altair_chart(charts.years(years, t("col.year"), t("col.movies"), series, t("col.category")),
                         width="stretch")


def _largest(frames: list[tuple[str, dict[str, Any], Statistics]]) -> None:
    """The largest values: their keys are data, shown in a table (plain text)."""
    st.subheader(t("stats.largest"))
    st.caption(t("stats.largest_help"))
    for col, (name, f, _s) in zip(_columns(len(frames)), frames):
        col.markdown(f"**{name}**")
        largest = f["largest"].copy()
        largest["category"] = [labels.category(n) for n in largest["category"]]
        tables.table(
            largest[["key", "category", "bytes"]].rename(
                columns={"key": t("col.key"), "category": t("col.category"), "bytes": t("col.bytes")}
            ),
            col,
        )


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
