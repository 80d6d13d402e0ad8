"""The embedded default store: a SQLite file, no server.

Schema: the app's table name with `key TEXT PRIMARY KEY, value TEXT NOT NULL` (JSON text).
SQLite's BINARY collation compares UTF-8 bytes, which is code-point order.

Reads open the file read-only and run in one read transaction (one point in time), so reading a
file never changes it. Writes take the write lock (`BEGIN IMMEDIATE`) for their whole span; only
a file this store creates is switched to WAL, so the app can keep reading while we write.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import MissingFile, MissingTable, PermissionDenied, PlanChanged, StoreBusy, StoreError, UsageError
from ..jsonvalue import compact, loads
from .base import PAGE_SIZE, Row, Store, like_pattern, pages_of

BUSY_TIMEOUT = 10.0
"""Seconds to wait for another writer (a restore in progress) before giving up with StoreBusy."""


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

    def __init__(self, url: str, table: str, busy_timeout: float = BUSY_TIMEOUT) -> None:
        if "." in table:
            raise UsageError(f"invalid table name {table!r} for a SQLite file: give the table name alone (no schema)")
        self.path = sqlite_path(url)
        self.table = table
        self.busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None
        self._writable = False
        self._session = False  # inside exclusive(): one transaction ...
        self._begun = False  # ... begun (on a missing file, at the first write)
        self._created = False  # this session created the file

    @property
    def display(self) -> str:
        return str(self.path)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table, "path": str(self.path)}

    # -- connections and errors --------------------------------------------------------------
    def _missing(self) -> MissingFile:
        absolute = Path("/") / self.path
        if not self.path.is_absolute() and absolute.exists():
            hint = f"did you mean sqlite:///{absolute.as_posix().lstrip('/')} (three slashes make an absolute path)?"
        else:
            hint = "check the path, or run `demo` to create one"
        return MissingFile(f"SQLite file {self.path} does not exist; {hint}")

    def _error(self, doing: str, exc: sqlite3.Error) -> StoreError:
        code = getattr(exc, "sqlite_errorcode", None) or 0
        primary = code & 0xFF
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreBusy(
                f"{doing} SQLite file {self.path} failed: another process is writing to it (waited "
                f"{self.busy_timeout:g} s); nothing was changed, try again when it has finished"
            )
        if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
            return PermissionDenied(
                f"{doing} SQLite file {self.path} failed: the file is read-only ({exc}); give this process write "
                "access to the file and its folder, or restore into another file"
            )
        if primary == sqlite3.SQLITE_CONSTRAINT:  # only `upsert=False` writes can collide: the plan took a key for new
            return PlanChanged(
                f"{doing} SQLite file {self.path} failed: a key the plan took for new exists now (another writer "
                "filled the table meanwhile); nothing was written; run the restore again"
            )
        return StoreError(f"{doing} SQLite file {self.path} failed: {exc}")

    def _connect(self, write: bool = False) -> sqlite3.Connection:
        """A read-only connection for reads; a read-write one (kept from then on) once something writes."""
        if self._conn is not None and (self._writable or not write):
            return self._conn
        created = False
        if not self.path.exists():
            if not write:
                raise self._missing()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:  # created here, exclusively: only then is the file ours (WAL, removed if the session fails)
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                created = True
            except FileExistsError:  # another writer was quicker
                pass
        self.close()
        try:
            if write:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=self.busy_timeout)
                if created:
                    conn.execute("PRAGMA journal_mode=WAL")  # our own file: readers never wait for a restore
            else:
                uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                       timeout=self.busy_timeout)
        except sqlite3.Error as exc:
            raise self._error("opening", exc) from None
        self._conn, self._writable = conn, write
        self._created = self._created or created
        return conn

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction (read: one snapshot; write: the write lock), unless exclusive() already holds one."""
        if self._session:
            if not self._begun:  # the session began on a missing file: its first write creates it
                self._begin()
            yield self._connect(write=True)
            return
        conn = self._connect(write)
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise self._error("writing to" if write else "reading", exc) from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _begin(self) -> None:
        conn = self._connect(write=True)
        try:
            conn.execute("BEGIN IMMEDIATE")  # the write lock: other writers wait, readers go on
        except sqlite3.Error as exc:
            raise self._error("locking", exc) from None
        self._begun = True

    # -- interface ---------------------------------------------------------------------------
    def table_exists(self) -> bool:
        if not self.path.exists():
            return False
        conn = self._connect(self._begun)
        try:
            # SQLite's names are case-insensitive: `MyKV` and `mykv` are one table.
            row = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=? COLLATE NOCASE", (self.table,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise self._error("reading", exc) from None
        return row is not None

    def create_table(self) -> None:
        with self._transaction(write=True) as conn:
            conn.execute(f'CREATE TABLE IF NOT EXISTS "{self.table}" (key TEXT PRIMARY KEY, value TEXT NOT NULL)')

    def _require_table(self) -> None:
        if not self.table_exists():
            if not self.path.exists():
                raise self._missing()
            raise MissingTable(f"table {self.table} does not exist in {self.path} (restore or `demo` creates it)")

    def iter_pages(self, page_size: int = PAGE_SIZE, keys_only: bool = False) -> Iterator[list[Row]]:
        self._require_table()
        cols = "key, ''" if keys_only else "key, value"
        sql_first = f'SELECT {cols} FROM "{self.table}" ORDER BY key LIMIT ?'
        sql_next = f'SELECT {cols} FROM "{self.table}" WHERE key > ? ORDER BY key LIMIT ?'
        with self._transaction(write=False) as conn:
            last: str | None = None
            while True:
                args = (page_size,) if last is None else (last, page_size)
                cur = conn.execute(sql_first if last is None else sql_next, args)
                page = cur.fetchall()
                if not page:
                    return
                if keys_only:
                    yield [(k, b"") for k, _ in page]
                else:
                    yield [(k, _checked(k, v)) for k, v in page]
                last = page[-1][0]

    def rows_between(self, start: str, stop: str | None = None, contains: str | None = None) -> Iterator[Row]:
        self._require_table()
        below = "" if stop is None else " AND key < :stop"
        if contains:  # SQLite's LIKE ignores the case of ASCII letters
            below += r" AND (key LIKE :like ESCAPE '\' OR value LIKE :like ESCAPE '\')"
        query = f'SELECT key, value FROM "{self.table}" WHERE key {{}} :last{below} ORDER BY key LIMIT {PAGE_SIZE}'
        with self._transaction(write=False) as conn:
            args, op = {"last": start, "stop": stop, "like": like_pattern(contains or "")}, ">="
            while page := conn.execute(query.format(op), args).fetchall():
                yield from [(k, _checked(k, v)) for k, v in page]
                args["last"], op = page[-1][0], ">"

    def write(self, rows: Iterable[Row], deletes: Iterable[str] = (), *, upsert: bool = True) -> None:
        if not self._session:
            self.create_table()
        sql = f'INSERT INTO "{self.table}" (key, value) VALUES (?, ?)'
        if upsert:
            sql += " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        with self._transaction(write=True) as conn:
            for page in pages_of(rows):
                conn.executemany(sql, [(key, value.decode()) for key, value in page])
            for page in pages_of((key, b"") for key in deletes):
                conn.executemany(f'DELETE FROM "{self.table}" WHERE key = ?', [(key,) for key, _ in page])

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        if self._session:
            raise RuntimeError("exclusive() is not re-entrant")
        self._session, self._begun, self._created = True, False, False
        try:
            if self.path.exists():
                self._begin()
            yield
            if self._begun:
                self._conn.execute("COMMIT")  # type: ignore[union-attr]
        except BaseException as exc:
            if self._begun and self._conn is not None and self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if self._created:  # a session that failed leaves no file of its own behind
                self.close()
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            if isinstance(exc, sqlite3.Error):
                raise self._error("writing to", exc) from None
            raise
        finally:
            self._session = self._begun = False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._writable = False


def _checked(key: str, text: str) -> bytes:
    """Stored text must be JSON (another writer may have put anything there)."""
    data = text.encode()
    try:
        loads(data)
    except ValueError as exc:
        raise StoreError(f"row {key!r} in the SQLite store holds invalid JSON: {exc}") from None
    return compact(data)
