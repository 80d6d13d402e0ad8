"""Tables: numbers in the admin's language (1,341 or 1.341, like the metric cards), and the plan table.

Cells are plain text (never Markdown), so keys and names from the data show as they are.
"""

from __future__ import annotations

import re
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
    """The plan table of the Restore, Browse and Migration pages."""
    table(plan_frame(plan), where)


_URL = re.compile(r"https?://\S+\Z")
_IMAGE_NAME = re.compile(r"cover|image|picture|photo|thumb|poster|avatar", re.IGNORECASE)
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:\?\S*)?\Z", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\Z")


def rows_table(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A browse table for st.dataframe: columns typed by what every value in them looks like.

    Well-known fields get titles in the admin's language (`field.NAME` texts), links to images are
    thumbnails, other links are links, ISO dates and times are dates and times; the key and text
    stay text. The frame itself is not changed (the CSV keeps the field names).
    """
    shown = df.copy()
    config: dict[str, Any] = {"key": st.column_config.TextColumn(t("col.key"), pinned=True)}
    for name in shown.columns[1:]:
        title = labels.or_value(f"field.{name}", str(name))
        config[name] = st.column_config.Column(title)
        values = [v for v in shown[name] if v is not None and v == v and v != ""]
        if not values or not all(isinstance(v, str) for v in values):
            continue
        if all(_URL.match(v) for v in values):
            image = _IMAGE_NAME.search(str(name)) or all(_IMAGE_FILE.search(v) for v in values)
            config[name] = (st.column_config.ImageColumn(title, width="small") if image
                            else st.column_config.LinkColumn(title))
        elif all(_DATE.match(v) for v in values):
            shown[name] = pd.to_datetime(shown[name], errors="coerce", format="%Y-%m-%d").dt.date
            config[name] = st.column_config.DateColumn(title, format="YYYY-MM-DD")
        elif all(_DATETIME.match(v) for v in values):
            shown[name] = pd.to_datetime(shown[name], errors="coerce", utc=True, format="ISO8601")
            config[name] = st.column_config.DatetimeColumn(title, format="YYYY-MM-DD HH:mm", timezone="UTC")
    return shown, config
