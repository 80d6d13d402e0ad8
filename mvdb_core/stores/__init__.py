"""Store backends chosen by URL: sqlite:///path, postgresql://..., http(s)://... (Supabase Data API)."""

from __future__ import annotations

import os

from ..errors import UsageError
from .base import DEFAULT_TABLE, PAGE_SIZE, Row, Store, create_table_sql, validate_table_name

DEFAULT_STORE = "sqlite://data/mvdb.sqlite3"
KEY_ENV = "MVDB_SUPABASE_KEY"

__all__ = [
    "DEFAULT_STORE",
    "DEFAULT_TABLE",
    "KEY_ENV",
    "PAGE_SIZE",
    "Row",
    "Store",
    "create_table_sql",
    "open_store",
    "redact_url",
    "validate_table_name",
]


def open_store(url: str, table: str = DEFAULT_TABLE, key: str | None = None) -> Store:
    """Open the store a URL names. Nothing is created or connected until first use where possible."""
    validate_table_name(table)
    url = (url or "").strip()
    if url.startswith("sqlite:"):
        from .sqlite import SQLiteStore

        return SQLiteStore(url, table)
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url, table)
    if url.startswith(("https://", "http://")):
        from .rest import RestStore

        return RestStore(url, table, key or os.environ.get(KEY_ENV))
    raise UsageError(
        f"unsupported store {redact_url(url)!r}: use sqlite:///path/to/file.db, "
        "postgresql://user:pass@host/db or https://<project>.supabase.co"
    )


def redact_url(url: str) -> str:
    """The URL without a password, for messages and metadata."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None and "@" not in parts.netloc:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))
