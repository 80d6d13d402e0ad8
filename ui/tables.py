"""Tables: numbers in the admin's language (1,341 or 1.341, like the metric cards), and the plan table.

Cells are plain text (never Markdown), so keys and names from the data show as they are.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core.restore import Plan
from ui import labels
from ui.texts import t, tr


def integer_format() -> str:
    """A column format with the language's digit-group separator.

    Streamlit's "localized" format follows the browser's locale, not the dashboard's language;
    a printf format with a quoted separator character (`%'.,d`) gives the language's own.
    """
    sep = tr().thousands
    return "%,d" if sep == "," else f"%'{sep},d"


def table(df: pd.DataFrame, where: Any = None, **kwargs: Any) -> None:
    """st.dataframe without index, integers grouped the language's way, every row visible (up to ~25)."""
    fmt = integer_format()
    config = {c: st.column_config.NumberColumn(format=fmt) for c in df.columns
              if pd.api.types.is_integer_dtype(df[c])}
    kwargs.setdefault("height", min(35 * (len(df) + 1) + 3, 900))
    (where or st).dataframe(df, hide_index=True, column_config=config, **kwargs)


def plan_frame(plan: Plan) -> pd.DataFrame:
    """The plan per category (the core's display order: categories where something happens first)."""
    rows = plan.rows()
    return pd.DataFrame(
        {
            t("col.category"): [labels.category(name) for name, _ in rows],
            t("col.added"): [c.added for _, c in rows],
            t("col.changed"): [c.changed for _, c in rows],
            t("col.unchanged"): [c.unchanged for _, c in rows],
            t("col.extra"): [c.extra for _, c in rows],
        }
    )


def plan_table(plan: Plan, where: Any = None) -> None:
    """The plan table of the Restore and Migration pages."""
    table(plan_frame(plan), where)
