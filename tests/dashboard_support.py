"""Helpers for the dashboard's AppTest tests: an isolated working folder and store, login, downloads."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from streamlit.util import calc_hash

from ui import auth

ROOT = Path(__file__).resolve().parent.parent
ENTRY = """# The dashboard as `streamlit run app.py` runs it, from a folder without a pages/ folder (dashboard_support).
import app

app.main()
"""
PASSWORD = "correct horse battery staple"
_HASH: list[str] = []

ENV_VARS = ("MVDB_STORE_URL", "MVDB_SUPABASE_KEY", "MVDB_TABLE", "MVDB_ADMIN_PASSWORD_HASH", "MVDB_JOB_CONFIG")


def password_hash() -> str:
    if not _HASH:
        _HASH.append(auth.hash_password(PASSWORD))
    return _HASH[0]


class RecordingMediaFileManager(MediaFileManager):
    """AppTest's media manager, remembered so a test can fetch what a download button serves."""

    instances: list[RecordingMediaFileManager] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RecordingMediaFileManager.instances.append(self)


def make_dash(tmp_path, monkeypatch):
    """For a `dash` fixture: a fresh working folder (backups/, data/) and a SQLite store in MVDB_STORE_URL.

    AppTest starts every run in Streamlit's old pages/-folder mode when the script's folder has a
    pages/ folder (a server only until its first st.navigation call, see ui/navigation.py), so the
    tests run app.main() from an entry script in the working folder: the server's steady state.
    tests/test_browser.py covers a fresh server.
    """
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite://{tmp_path}/store.sqlite3"
    monkeypatch.setenv("MVDB_STORE_URL", url)
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    RecordingMediaFileManager.instances.clear()
    auth.THROTTLE.reset()
    st.cache_data.clear()
    (tmp_path / "dashboard.py").write_text(ENTRY)
    yield Dash(tmp_path, url)
    auth.THROTTLE.reset()
    st.cache_data.clear()


class Dash:
    def __init__(self, folder: Path, url: str) -> None:
        self.folder = folder
        self.url = url

    def app(self) -> AppTest:
        return AppTest.from_file(str(self.folder / "dashboard.py"), default_timeout=120)

    def run(self, at: AppTest | None = None) -> AppTest:
        at = self.app() if at is None else at
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def all_text(at: AppTest) -> str:
    """Every text the page shows (markdown, alerts, captions, titles), for `in` checks."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        parts.extend(texts(getattr(at, kind)))
    parts.extend(str(e.label) for e in at.expander)
    parts.extend(str(e.label) for e in at.status)
    return "\n".join(parts)


def plain(markdown: str) -> str:
    """Markdown source as the reader sees it: backslash escapes and word joiners (ui.texts.md) removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def download_bytes(button) -> bytes:
    """The bytes a (deferred or eager) download button hands to the browser."""
    mgr = RecordingMediaFileManager.instances[-1]
    file_id = button.proto.deferred_file_id
    url = mgr.execute_deferred(file_id) if file_id else button.proto.url
    return mgr._storage.get_file(url.rsplit("/", 1)[1]).content


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Open a page by its URL path (/restore), as the browser does, and run.

    AppTest.switch_page() finds pages by their file; the dashboard's pages are functions, which
    st.navigation knows by the hash of their URL path, the value a browser's request carries.
    """
    at._page_hash = calc_hash(url_path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at



def plan_table(at: AppTest):
    """The plan table on the page: the one table with five columns (category, added, changed, unchanged, extra);
    the tables of changed rows beside it have three."""
    [found] = [d for d in at.dataframe if len(d.value.columns) == 5]
    return found
