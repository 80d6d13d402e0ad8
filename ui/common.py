"""Streamlit glue shared by app.py and the pages: texts, the connected store, caches, uploads, errors.

No data logic: everything that reads or interprets data is a call into mvdb_core.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from mvdb_core.backup_file import BackupFile
from mvdb_core.statistics import Statistics, backup_statistics, store_statistics
from mvdb_core.stores import Store
from ui.connection import Connection, embedded, presets
from ui.errors import classify, redact
from ui.i18n import Translator

log = logging.getLogger("mvdb.dashboard")

UPLOAD_DIR = Path(tempfile.gettempdir()) / "mvdb-uploads"


# ----------------------------------------------------------------------------------------------
# Pages run inside app.py only (behind the login gate)

_RUN = threading.local()


@contextmanager
def inside_app() -> Iterator[None]:
    """app.py runs the chosen page inside this block, after the login gate."""
    _RUN.inside = True
    try:
        yield
    finally:
        _RUN.inside = False


APP_PATH = Path(__file__).resolve().parent.parent / "app.py"


def require_app() -> None:
    """First line of every page: a page never runs without app.py's login gate and sidebar around it.

    Because a `pages/` folder exists, Streamlit runs in its old multipage mode until the first
    st.navigation call of the process (and AppTest does so on every run): a request for /restore
    would run pages/restore.py directly, skipping app.py. Such a run goes through app.py here
    (which gates, then runs this page inside) and ends.
    """
    if getattr(_RUN, "inside", False):
        return
    import runpy

    runpy.run_path(str(APP_PATH), run_name="__main__")
    st.stop()


@contextmanager
def as_main_script() -> Iterator[None]:
    """Run app.py's own code as the main script, however Streamlit started this run.

    Widget ids include the "active script"; in the old multipage mode (see require_app) that is
    a page, so app.py's widgets (login form, sidebar) would change ids and lose their state.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    scope = getattr(ctx, "run_with_active_hash", None)
    if scope is None:  # pragma: no cover - no run context (bare mode) or another Streamlit version
        yield
        return
    with scope(ctx.pages_manager.main_script_hash):
        yield


# ----------------------------------------------------------------------------------------------
# Texts


def tr() -> Translator:
    return Translator(st.session_state.get("lang", "en"))


def t(key: str, **values: Any) -> str:
    return tr()(key, **values)


def md_escape(text: str) -> str:
    """Show text literally inside Markdown (keys like master_actress_1 would turn italic, $ into LaTeX)."""
    for ch in "\\`*_[]<>$~|":
        text = text.replace(ch, "\\" + ch)
    if text[:1] and text[0] in "#+-":
        text = "\\" + text
    return re.sub(r"^(\d+)([.)]) ", r"\1\\\2 ", text)


# ----------------------------------------------------------------------------------------------
# Secrets and connections


def read_secrets() -> dict[str, Any]:
    """st.secrets as a dict; {} when there is no secrets file (that is not an error here)."""
    try:
        return dict(st.secrets.to_dict())
    except Exception:  # noqa: BLE001 - no secrets.toml, or an unreadable one: run without it
        return {}


def connections() -> list[Connection]:
    found = presets(os.environ, read_secrets())
    custom = st.session_state.get("custom_connection")
    if custom is not None:
        found.append(custom)
    return found


def current_connection() -> Connection:
    """The connection the admin picked (the first preset until they pick another)."""
    options = connections()
    name = st.session_state.get("connection_name")
    for c in options:
        if c.name == name:
            return c
    return options[0] if options else embedded()


def all_secrets() -> list[str]:
    out: list[str] = []
    for c in connections():
        out.extend(c.secrets())
    return out


@contextmanager
def open_current() -> Iterator[tuple[Connection, Store]]:
    conn = current_connection()
    store = conn.open()
    try:
        yield conn, store
    finally:
        store.close()


# ----------------------------------------------------------------------------------------------
# Cached reads (keyed on the store's identity; cleared after every write the dashboard makes)


@st.cache_data(ttl=15, show_spinner=False, max_entries=32)
def _counts(identity: str, _conn: Connection) -> dict[str, int] | None:
    with _conn.open() as store:
        if not store.table_exists():
            return None
        return store.count()


def store_counts(conn: Connection) -> dict[str, int] | None:
    """Rows per category of the store, or None when its table does not exist (raises MvdbError)."""
    return _counts(conn.identity(), conn)


@st.cache_data(ttl=600, show_spinner=False, max_entries=8)
def _store_stats(identity: str, total: int, _conn: Connection) -> Statistics:
    with _conn.open() as store:
        return store_statistics(store)


def store_stats(conn: Connection, total: int) -> Statistics:
    return _store_stats(conn.identity(), total, conn)


@st.cache_data(show_spinner=False, max_entries=8)
def _backup_stats(path: str, size: int) -> Statistics:
    return backup_statistics(path)


def backup_stats(path: str) -> Statistics:
    return _backup_stats(path, Path(path).stat().st_size)


@st.cache_data(show_spinner=False, max_entries=16)
def _validation(path: str, size: int) -> dict[str, Any]:
    """Validate a backup file completely once; the result (or the error) is cached."""
    try:
        bf = BackupFile(path)
        summary = bf.validate()
    except Exception as exc:  # noqa: BLE001 - reported to the admin by the page
        return {"ok": False, "error": exc}
    return {
        "ok": True,
        "total": summary.total,
        "counts": summary.counts,
        "metadata": bf.metadata,
        "version": bf.version,
        "legacy": bf.is_legacy,
    }


def validation(path: str) -> dict[str, Any]:
    return _validation(path, Path(path).stat().st_size)


def data_changed() -> None:
    """After the dashboard wrote to a store: drop cached counts and statistics."""
    _counts.clear()
    _store_stats.clear()


# ----------------------------------------------------------------------------------------------
# Uploads: saved to a temp file once, shared by the Restore and Statistics pages


def use_upload(uploaded: Any, widget: str) -> dict[str, Any] | None:
    """Keep the backup file the admin uploaded (any page) on disk; return {name, path, size, file_id}."""
    current = st.session_state.get("backup_file")
    if uploaded is None:
        if current is not None and current.get("widget") == widget:
            _discard(current)
            st.session_state.pop("backup_file", None)
            return None
        return current
    if current is not None and current["file_id"] == uploaded.file_id and Path(current["path"]).exists():
        return current
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    path = UPLOAD_DIR / f"{uuid.uuid4().hex}.json"
    uploaded.seek(0)
    with open(path, "wb") as f:
        shutil.copyfileobj(uploaded, f, 1 << 20)
    if current is not None:
        _discard(current)
    info = {"file_id": uploaded.file_id, "name": uploaded.name, "path": str(path), "size": path.stat().st_size,
            "widget": widget}
    st.session_state["backup_file"] = info
    _sweep()
    return info


def _discard(info: dict[str, Any]) -> None:
    Path(info["path"]).unlink(missing_ok=True)


def _sweep(max_age: float = 86400) -> None:
    """Remove uploads left behind by sessions that ended more than a day ago."""
    now = time.time()
    for p in UPLOAD_DIR.glob("*.json"):
        try:
            if now - p.stat().st_mtime > max_age:
                p.unlink()
        except OSError:
            pass


def file_reader(path: str | Path) -> Any:
    """A download callable: the bytes are read only when the admin clicks (not on every rerun)."""
    p = Path(path)

    def read() -> bytes:
        return p.read_bytes()

    return read


# ----------------------------------------------------------------------------------------------
# Errors: what happened and what to do, never a traceback


def show_error(exc: BaseException, where: Any = None, secrets: list[str | None] | None = None) -> None:
    head, hint = classify(exc)
    message = redact(" ".join(str(exc).split()), [*all_secrets(), *(secrets or [])])
    if head in ("error.unexpected", "error.missing_module"):
        log.warning("dashboard error %s: %s", type(exc).__name__, message[:300])
        body = f"**{t(head)}**\n\n{t(hint)}"
    else:
        body = f"**{t(head)}**\n\n{md_escape(message)}\n\n{t(hint)}"
    (where or st).error(body, icon="🚨")


@contextmanager
def guard(stop: bool = True, where: Any = None, secrets: list[str | None] | None = None) -> Iterator[None]:
    """Show any failure inside as a message; then stop the page (or carry on with stop=False)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - Streamlit's own stop/rerun are BaseExceptions and pass through
        show_error(exc, where, secrets)
        if stop:
            st.stop()


class Ticker:
    """Rate-limit progress updates (a message per row would flood the browser)."""

    def __init__(self, interval: float = 0.15) -> None:
        self.interval = interval
        self._last = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False


def table(df: Any, where: Any = None, **kwargs: Any) -> None:
    """st.dataframe with numbers grouped the browser's way (1,341 or 1.341) and no index."""
    import pandas as pd

    config = {c: st.column_config.NumberColumn(format="localized") for c in df.columns
              if pd.api.types.is_integer_dtype(df[c])}
    kwargs.setdefault("height", min(35 * (len(df) + 1) + 3, 900))  # every row visible, up to ~25
    (where or st).dataframe(df, hide_index=True, column_config=config, **kwargs)


def category_label(name: str) -> str:
    return t(f"cat.{name}")


def label_or(key: str, fallback: str) -> str:
    """The text for `key`, or `fallback` when there is none (values from the data, e.g. a favorite type)."""
    text = t(key)
    return fallback if text == key else text
