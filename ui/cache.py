"""Cached reads, so a rerun (every click) does not read the store or a large file again.

Keyed on a store's secret-free identity, or on a file's path and size. `data_changed()` drops
what a write (or a plan, which reads the store afresh) has made stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from mvdb_core.backup_file import BackupFile
from mvdb_core.errors import MissingFile, MissingTable
from mvdb_core.redaction import redact
from mvdb_core.statistics import Statistics, backup_statistics, store_statistics
from ui.connection import Connection


@dataclass(frozen=True)
class Counts:
    rows: dict[str, int] | None
    """Rows per category; None when the store has no table (or, for SQLite, no file) yet."""
    missing: str | None = None
    """Why there is no table, in the core's words (a SQLite path that does not exist says which one was meant)."""

    @property
    def total(self) -> int:
        return sum((self.rows or {}).values())


@st.cache_data(ttl=15, show_spinner=False, max_entries=32)
def _counts(identity: str, _conn: Connection) -> Counts:
    with _conn.open() as store:
        try:
            return Counts(store.count())
        except (MissingTable, MissingFile) as exc:
            return Counts(None, redact(" ".join(str(exc).split()), _conn.secrets()))


def store_counts(conn: Connection) -> Counts:
    """Rows per category of the store (raises MvdbError when it cannot be read)."""
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
    except Exception as exc:  # reported to the admin by the page
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
    """{"ok": True, total, counts, metadata, version, legacy} or {"ok": False, "error": the exception}."""
    return _validation(path, Path(path).stat().st_size)


def data_changed() -> None:
    """After the dashboard wrote to a store, or read it afresh for a plan: drop cached counts and statistics."""
    _counts.clear()
    _store_stats.clear()
    st.session_state[_VERSION] = data_version() + 1


_VERSION = "_data_version"


def data_version() -> int:
    """Goes up with every `data_changed` of this session: what a page kept from a store read before is stale."""
    return int(st.session_state.get(_VERSION, 0))
