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

_SPECIAL = re.compile(r"([\\`*_\[\]()<>$~|!{}#+&])")
_LIST_ITEM = re.compile(r"^(\d+)([.)])(?=\s|$)")
_JOIN = re.compile(r"(?i)(?<=[:@])|(?<=www)(?=\.)")
WORD_JOINER = "\u2060"
"""Invisible; breaks what the renderer finds in text after parsing (bare links, e-mail addresses, icons)."""


def tr() -> Translator:
    return Translator(st.session_state.get("lang", "en"))


def t(key: str, **values: Any) -> str:
    return tr()(key, **values)


def number(n: int) -> str:
    """An integer the way the admin's language writes it (1,234 or 1.234)."""
    return tr().number(n)


def md(value: object, code: bool = False) -> str:
    """`value` as literal text inside Markdown; with `code`, as an inline code span.

    Backslash escapes (CommonMark) stop links, images, emphasis, tables, HTML, Streamlit's LaTeX and
    colour directives. Bare addresses (https://…, www.…, a@b.c) and `:icon:` codes are found in the
    text after the escapes are gone, so an invisible word joiner follows every `:` and `@` (and
    splits `www.`). Line breaks become spaces: a value never starts a new block. A code span holds
    no escapes; it is fenced with more backticks than the value contains.
    """
    text = " ".join(str(value).split())
    if code:
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * (longest + 1)
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}" if text else ""
    text = _SPECIAL.sub(r"\\\1", text)
    text = _LIST_ITEM.sub(r"\1\\\2", text)
    text = _JOIN.sub(WORD_JOINER, text)
    return "\\" + text if text.startswith("-") else text
