"""Texts in the admin's language, numbers in that language's format, and the one Markdown escape.

Every value that comes from outside (a file name, a key, a store label, an error message, a
backup's metadata) goes through `md()` before it is put into Markdown, so it shows as the text
it is: never a link, an image, a heading, bold or LaTeX.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from ui.i18n import Translator

_SPECIAL = re.compile(r"([\\`*_\[\]()<>$~|!{}#+@:&])")
_WWW = re.compile(r"(?i)(www)\.")
_LIST_ITEM = re.compile(r"^(\d+)([.)])(?=\s|$)")


def tr() -> Translator:
    return Translator(st.session_state.get("lang", "en"))


def t(key: str, **values: Any) -> str:
    return tr()(key, **values)


def number(n: int) -> str:
    """An integer the way the admin's language writes it (1,234 or 1.234)."""
    return tr().number(n)


def md(value: object, code: bool = False) -> str:
    """`value` as literal text inside Markdown; with `code`, as an inline code span.

    Backslash escapes (CommonMark) stop links, images, emphasis, tables and Streamlit's LaTeX and
    colour directives; `www.` and `scheme:` lose their meaning too, so GFM does not turn a bare
    address into a link. Line breaks become spaces: a value never starts a new block. A code span
    cannot hold escapes, so it is fenced with more backticks than the value contains.
    """
    text = " ".join(str(value).split())
    if code:
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * (longest + 1)
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}" if text else ""
    text = _SPECIAL.sub(r"\\\1", text)
    text = _WWW.sub(r"\1\\.", text)
    text = _LIST_ITEM.sub(r"\1\\\2", text)
    return "\\" + text if text.startswith("-") else text
