"""Store backends chosen by URL: sqlite:///path, postgresql://..., http(s)://... (Supabase Data API)."""

from __future__ import annotations

import os

from ..errors import UsageError
from ..redaction import redact_url
from .base import DEFAULT_TABLE, PAGE_SIZE, Row, Store, create_table_sql, validate_table_name

DEFAULT_STORE = "sqlite://data/mvdb.sqlite3"
KEY_ENV = "MVDB_SUPABASE_KEY"
KINDS = ("sqlite", "postgresql", "supabase")

__all__ = [
    "DEFAULT_STORE",
    "DEFAULT_TABLE",
    "KEY_ENV",
    "KINDS",
    "PAGE_SIZE",
    "Row",
    "Store",
    "create_table_sql",
    "open_store",
    "store_kind",
    "validate_table_name",
]


def store_kind(url: str) -> str:
    """The backend a store URL names: sqlite, postgresql or supabase (UsageError for anything else)."""
    url = (url or "").strip()
    if url.startswith("sqlite:"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    if url.startswith(("https://", "http://")):
        return "supabase"
    raise UsageError(
        f"unsupported store {redact_url(url)!r}: use sqlite:///path/to/file.db, "
        "postgresql://user:pass@host/db or https://<project>.supabase.co"
    )


def open_store(url: str, table: str = DEFAULT_TABLE, key: str | None = None) -> Store:
    """Open the store a URL names. Nothing is created or connected until first use."""
    validate_table_name(table)
    url = (url or "").strip()
    kind = store_kind(url)
    if kind == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(url, table)
    if kind == "postgresql":
        from .postgres import PostgresStore

        return PostgresStore(url, table)
    from .rest import RestStore

    return RestStore(url, table, key or os.environ.get(KEY_ENV))
