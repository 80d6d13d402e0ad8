"""Altair charts for the pages: presentation only (the numbers come from mvdb_core)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd


def bar(df: pd.DataFrame, label: str, value: str, label_title: str, value_title: str,
        sort_by_value: bool = True, height: int | None = None) -> alt.Chart:
    """A horizontal bar chart: one bar per row of `df`, the value printed next to it."""
    data = df[df[value] > 0] if len(df) else df
    order: Any = "-x" if sort_by_value else None
    base = alt.Chart(data).encode(
        y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=180)),
        x=alt.X(f"{value}:Q", title=value_title),
        tooltip=[alt.Tooltip(f"{label}:N", title=label_title), alt.Tooltip(f"{value}:Q", title=value_title,
                                                                             format=",")],
    )
    chart = base.mark_bar() + base.mark_text(align="left", dx=3).encode(text=alt.Text(f"{value}:Q", format=","))
    return chart.properties(height=height or alt.Step(22))  # 22 px per bar, however many bars


def years(df: pd.DataFrame, year_title: str, value_title: str, series_names: dict[str, str]) -> alt.Chart:
    """Movies per release year, HC and SC movies stacked."""
    long = df.melt(id_vars="year", value_vars=list(series_names), var_name="kind", value_name="rows")
    long["kind"] = long["kind"].map(series_names)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("year:N", title=year_title),
            y=alt.Y("rows:Q", title=value_title, stack=True),
            color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("year:N", title=year_title), "kind:N", alt.Tooltip("rows:Q", format=",")],
        )
        .properties(height=260)
    )
