"""The embedded default store: a SQLite file, no server.

Schema: the app's table name with `key TEXT PRIMARY KEY, value TEXT NOT NULL` (JSON text).
SQLite's BINARY collation compares UTF-8 bytes, which is code-point order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import StoreError, UsageError
from ..jsonvalue import compact, loads
from .base import PAGE_SIZE, Progress, Row, Store, pages_of


def sqlite_path(url: str) -> Path:
    """`sqlite:///abs/file.db` is absolute, `sqlite://rel/file.db` relative to the working folder."""
    rest = url[len("sqlite:"):]
    if rest.startswith("//"):
        rest = rest[2:]
    if not rest:
        raise UsageError("sqlite store URL has no path: use sqlite:///path/to/file.db")
    return Path(rest)


class SQLiteStore(Store):
    kind = "sqlite"

    def __init__(self, url: str, table: str) -> None:
        self.path = sqlite_path(url)
        self.table = table
        self._conn: sqlite3.Connection | None = None

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "path": str(self.path)}

    def _connect(self, create: bool = False) -> sqlite3.Connection:
        if self._conn is None:
            if not self.path.exists():
                if not create:
                    raise StoreError(
                        f"SQLite file {self.path} does not exist (check the path, or run `demo` to create one)"
                    )
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self._conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open SQLite file {self.path}: {exc}") from exc
        return self._conn

    def table_exists(self) -> bool:
        if not self.path.exists():
            return False
        row = self._connect().execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (self.table,)
        ).fetchone()
        return row is not None

    def create_table(self) -> None:
        self._connect(create=True).execute(
            f'CREATE TABLE IF NOT EXISTS "{self.table}" (key TEXT PRIMARY KEY, value TEXT NOT NULL)'
        )

    def _require_table(self) -> sqlite3.Connection:
        conn = self._connect()
        if not self.table_exists():
            raise StoreError(f"table {self.table} does not exist in {self.path} (restore or `demo` creates it)")
        return conn

    def iter_pages(self, page_size: int = PAGE_SIZE, keys_only: bool = False) -> Iterator[list[Row]]:
        conn = self._require_table()
        cols = "key, ''" if keys_only else "key, value"
        sql_first = f'SELECT {cols} FROM "{self.table}" ORDER BY key LIMIT ?'
        sql_next = f'SELECT {cols} FROM "{self.table}" WHERE key > ? ORDER BY key LIMIT ?'
        last: str | None = None
        while True:
            cur = conn.execute(sql_first, (page_size,)) if last is None else conn.execute(sql_next, (last, page_size))
            page = cur.fetchall()
            if not page:
                return
            if keys_only:
                rows = [(k, b"") for k, _ in page]
            else:
                rows = [(k, _checked(k, v)) for k, v in page]
            yield rows
            last = page[-1][0]

    def write(self, upserts: Iterable[Row], deletes: Iterable[str], progress: Progress | None = None) -> None:
        self.create_table()
        conn = self._connect()
        upsert_sql = (
            f'INSERT INTO "{self.table}" (key, value) VALUES (?, ?) '
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        )
        try:
            conn.execute("BEGIN IMMEDIATE")
            for page in pages_of(upserts):
                conn.executemany(upsert_sql, [(key, value.decode()) for key, value in page])
                if progress:
                    progress(len(page))
            dbatch: list[tuple[str]] = []
            for key in deletes:
                dbatch.append((key,))
                if len(dbatch) >= PAGE_SIZE:
                    conn.executemany(f'DELETE FROM "{self.table}" WHERE key = ?', dbatch)
                    dbatch = []
            if dbatch:
                conn.executemany(f'DELETE FROM "{self.table}" WHERE key = ?', dbatch)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"writing to SQLite file {self.path} failed: {exc}") from exc
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _checked(key: str, text: str) -> bytes:
    """Stored text must be JSON (another writer may have put anything there)."""
    data = text.encode()
    try:
        loads(data)
    except ValueError as exc:
        raise StoreError(f"row {key!r} in the SQLite store holds invalid JSON: {exc}") from exc
    return compact(data)
