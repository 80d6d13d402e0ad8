"""Altair charts for the pages: presentation only (the numbers come from mvdb_core).

Numbers on axes, labels and tooltips use the dashboard language's separators (Vega's number
locale), the same as the tables and metric cards.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from ui.texts import tr


def _in_language(chart: Any) -> Any:
    """The chart with the admin's language's digit-group and decimal separators."""
    lang = tr()
    return chart.configure(locale={"number": {"decimal": lang.decimal_mark, "thousands": lang.thousands,
                                              "grouping": [3], "currency": ["", ""]}})


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
    return _in_language(chart.properties(height=height or alt.Step(22)))  # 22 px per bar, however many bars


def years(df: pd.DataFrame, year_title: str, value_title: str, series_names: dict[str, str],
          series_title: str) -> alt.Chart:
    """Movies per release year, HC and SC movies stacked."""
    long = df.melt(id_vars="year", value_vars=list(series_names), var_name="kind", value_name="rows")
    long["kind"] = long["kind"].map(series_names)
    return _in_language(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("year:N", title=year_title),
            y=alt.Y("rows:Q", title=value_title, stack=True),
            color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("year:N", title=year_title), alt.Tooltip("kind:N", title=series_title),
                     alt.Tooltip("rows:Q", title=value_title, format=",")],
        )
        .properties(height=260)
    )
