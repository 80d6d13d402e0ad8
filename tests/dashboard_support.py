"""Helpers for the dashboard's AppTest tests: an isolated working folder and store, login, downloads."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from ui import auth, common

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PASSWORD = "correct horse battery staple"
_HASH: list[str] = []

ENV_VARS = ("MVDB_STORE_URL", "MVDB_SUPABASE_KEY", "MVDB_TABLE", "MVDB_ADMIN_PASSWORD_HASH")


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
    """For a `dash` fixture: a fresh working folder (backups/, data/) and a SQLite store in MVDB_STORE_URL."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite://{tmp_path}/store.sqlite3"
    monkeypatch.setenv("MVDB_STORE_URL", url)
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    monkeypatch.setattr(common, "UPLOAD_DIR", tmp_path / "uploads")  # uploads end with the test
    RecordingMediaFileManager.instances.clear()
    auth.THROTTLE.reset()
    st.cache_data.clear()
    yield Dash(tmp_path, url)
    auth.THROTTLE.reset()
    st.cache_data.clear()


class Dash:
    def __init__(self, folder: Path, url: str) -> None:
        self.folder = folder
        self.url = url

    def app(self) -> AppTest:
        return AppTest.from_file(APP, default_timeout=120)

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


def download_bytes(button) -> bytes:
    """The bytes a (deferred or eager) download button hands to the browser."""
    mgr = RecordingMediaFileManager.instances[-1]
    file_id = button.proto.deferred_file_id
    url = mgr.execute_deferred(file_id) if file_id else button.proto.url
    return mgr._storage.get_file(url.rsplit("/", 1)[1]).content


def switch(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at
