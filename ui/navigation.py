"""The dashboard's pages and the navigation between them; the navigation is the access control.

Each page is a module of pages/ with a `render()` function. They are handed to st.navigation
only after the login gate let the visitor in; until then the navigation holds stand-ins with
the same addresses that draw nothing, so a request for any page shows the login form and no
data, and the address asked for is kept through it.

Because a pages/ folder exists, a fresh server process runs in Streamlit's old multipage mode
until its first st.navigation call: a request then runs a file of pages/ by itself (which hands
over to app.py, `hand_over`), or app.py as one of those pages, whose widgets get other ids than
in every later run. Sessions whose first run starts at that moment (eight browsers opening a fresh
server at once) all draw in that mode, so every session's first navigation reruns once
(`_settle`): no widget drawn in that mode is ever shown, and no first click or password is lost.
"""

from __future__ import annotations

import importlib
from typing import Any

import streamlit as st

from ui.texts import t

ENTRY = "app.py"
_SETTLED = "_navigation_settled"

PAGES: tuple[tuple[str, str, str], ...] = (
    ("backup", "nav.backup", "💾"),
    ("restore", "nav.restore", "♻️"),
    ("browse", "nav.browse", "🔎"),
    ("snapshots", "nav.snapshots", "🗄️"),
    ("jobs", "nav.jobs", "⏱️"),
    ("migration", "nav.migration", "🚚"),
    ("statistics", "nav.statistics", "📊"),
)
"""(url path = module of pages/, title text key, icon), in menu order; the first opens at the root URL."""


def _nothing() -> None:
    """What a page shows to a visitor the login gate has not let in (the gate above says why)."""


def page(url_path: str) -> Any:
    """The st.Page of one dashboard page (st.navigation and st.page_link take the same)."""
    for path, title_key, icon in PAGES:
        if path == url_path:
            render = importlib.import_module(f"pages.{path}").render
            return st.Page(render, title=t(title_key), icon=icon, url_path=path)
    raise KeyError(url_path)


def _root() -> Any:
    """The root URL: a hidden page that moves on to the first page, so that page has its own address too."""
    return st.Page(_nothing, title=t("app.title"), url_path="start", default=True, visibility="hidden")


def _settle() -> None:
    """After a session's first st.navigation call (the process's first ends the old multipage mode): run again."""
    if not st.session_state.get(_SETTLED):
        st.session_state[_SETTLED] = True
        st.rerun()


def lock() -> None:
    """The navigation for a visitor the gate has not let in: stand-ins that draw nothing, no menu."""
    stand_ins = [st.Page(_nothing, title=t(key), icon=icon, url_path=path) for path, key, icon in PAGES]
    st.navigation([_root(), *stand_ins], position="hidden")
    _settle()


def choose() -> Any:
    """The navigation for a visitor the gate let in: the page the browser asked for, to `.run()`."""
    root = _root()
    pages = [page(path) for path, _, _ in PAGES]
    chosen = st.navigation([root, *pages], position="sidebar")
    _settle()
    if chosen is root:
        st.switch_page(pages[0])
    return chosen


def hand_over() -> None:
    """A file of pages/ run by itself (the old multipage mode, see above): run app.py and its login gate instead.

    The file draws nothing; the browser lands on the app's root address.
    """
    st.switch_page(ENTRY)
