"""PostgreSQL backend (psycopg 3): a Supabase connection string works as is.

Reads run as one ordered binary COPY in a REPEATABLE READ transaction (a consistent snapshot,
like pg_dump), cut into pages; values come back as the server's JSON text, untouched. Writes use
COPY into the table (or a temp table and one upsert) inside one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import pq, sql
from psycopg.adapt import Loader

from ..categories import categorize, empty_counts, sql_case
from ..errors import StoreError
from .base import PAGE_SIZE, Progress, Row, Store, create_table_sql, pages_of

CONNECT_TRIES = 3
_TRANSIENT = ("timeout", "timed out", "server closed the connection", "could not receive", "the database system is")


def _transient(exc: Exception) -> bool:
    """Worth another try: time-outs and a server that is starting up or dropped us, not bad credentials."""
    text = str(exc).lower()
    return any(t in text for t in _TRANSIENT)


_BYTEWISE = {"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"}


class _RawJsonLoader(Loader):
    """Keep jsonb/json as the server's text bytes: no parse, no re-encode."""

    def load(self, data: Any) -> bytes:
        return bytes(data)


def _escape_copy(data: bytes) -> bytes:
    """Escape a field for COPY's text format."""
    if b"\\" in data:
        data = data.replace(b"\\", b"\\\\")
    if b"\n" in data or b"\r" in data or b"\t" in data:
        data = data.replace(b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t")
    return data


def _copy_text(page: list[Row]) -> bytes:
    """Rows as lines of COPY's text format, built for the whole page at once."""
    n = len(page)
    keys = [key.encode() for key, _ in page]
    values = [value for _, value in page]
    parts: list[bytes] = [b"", b"\t", b"", b"\n"] * n
    parts[0::4] = keys
    parts[2::4] = values
    block = b"".join(parts)
    if block.count(b"\t") == n and block.count(b"\n") == n and b"\r" not in block:
        # Only the separators are tabs and newlines: a backslash is the one thing left to escape.
        return block.replace(b"\\", b"\\\\") if b"\\" in block else block
    parts[0::4] = map(_escape_copy, keys)
    parts[2::4] = map(_escape_copy, values)
    return b"".join(parts)


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_COPY_TRAILER = b"\xff\xff"


def _binary_copy_pages(conn: psycopg.Connection, query: bytes, page_size: int, fields: int) -> Iterator[list[Row]]:
    """`COPY (...) TO STDOUT (FORMAT binary)` of (key text[, value jsonb]) straight through libpq, in pages.

    The server does the least work this way (no text escaping) and sends one message per row;
    a few byte operations cut out its fields. A jsonb field is a version byte (1) and the text.
    """
    pgconn = conn.pgconn
    pgconn.send_query(query)
    res = pgconn.get_result()
    if res is None or res.status != pq.ExecStatus.COPY_OUT:
        message = res.error_message.decode(errors="replace") if res is not None else "no result"
        while pgconn.get_result() is not None:
            pass
        raise psycopg.OperationalError(message)
    get = pgconn.get_copy_data
    finished = False
    try:
        nbytes, data = get(0)
        head = bytes(data)
        if nbytes == -1 or not head.startswith(_COPY_SIGNATURE):
            raise psycopg.DataError("unexpected COPY data: no binary header")
        pending: bytes | None = head[19 + int.from_bytes(head[15:19], "big") :] or None
        while not finished:
            page: list[Row] = []
            append = page.append
            while len(page) < page_size:
                if pending is not None:
                    row, pending = pending, None
                else:
                    nbytes, data = get(0)
                    if nbytes == -1:
                        finished = True
                        break
                    row = bytes(data)
                if row == _COPY_TRAILER:
                    continue
                # int16 field count, int32 key length, key, [int32 value length, jsonb version 1, text]
                n = row[5] if row[2:5] == b"\0\0\0" else int.from_bytes(row[2:6], "big")
                if fields == 1:
                    append((row[6 : 6 + n].decode(), b""))
                elif len(row) > n + 11 and row[n + 10] == 1:
                    append((row[6 : 6 + n].decode(), row[n + 11 :]))
                else:
                    raise psycopg.DataError(
                        f"unexpected value for key {row[6 : 6 + n].decode(errors='replace')!r}: a NULL value, "
                        "or a jsonb format other than version 1"
                    )
            if page:
                yield page
    finally:
        if not finished and pgconn.status == pq.ConnStatus.OK:
            # The caller stopped early (e.g. an invalid backup file): cancel the COPY.
            try:
                pgconn.get_cancel().cancel()
                while get(0)[0] != -1:
                    pass
            except psycopg.Error:
                pass  # the connection is going away anyway
        while (res := pgconn.get_result()) is not None:
            if res.status == pq.ExecStatus.FATAL_ERROR and finished:
                raise psycopg.OperationalError(res.error_message.decode(errors="replace"))


class PostgresStore(Store):
    kind = "postgresql"

    def __init__(self, url: str, table: str) -> None:
        self.url = url
        self.table = table
        parts = urlsplit(url)
        self._host = parts.hostname or "localhost"
        self._db = parts.path.lstrip("/") or None
        self._password = parts.password
        self._conn: psycopg.Connection | None = None
        self._order: sql.Composable | None = None

    # -- connection and errors -------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"kind": self.kind, "table": self.table, "host": self._host, "database": self._db}
        ref = _supabase_ref(self._host, urlsplit(self.url).username)
        if ref:
            info["projectId"] = ref
        return info

    def _error(self, what: str, exc: Exception) -> StoreError:
        msg = " ".join(str(exc).split())
        if self._password:
            msg = msg.replace(self._password, "***")
        return StoreError(f"{what} ({self._host}): {msg}")

    def _connect(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            for attempt in range(CONNECT_TRIES):
                try:
                    self._conn = psycopg.connect(
                        self.url, autocommit=True, connect_timeout=15, application_name="mvdb-backup",
                        client_encoding="UTF8",  # our bytes are UTF-8 whatever the database's encoding
                    )
                    break
                except psycopg.Error as exc:
                    if attempt + 1 == CONNECT_TRIES or not _transient(exc):
                        raise self._error("cannot connect to PostgreSQL", exc) from None
                    time.sleep(0.5 * 2**attempt)  # a paused or restarting server, a network blip
            self._conn.adapters.register_loader("jsonb", _RawJsonLoader)
            self._conn.adapters.register_loader("json", _RawJsonLoader)
        return self._conn

    @property
    def _ident(self) -> sql.Composable:
        return sql.Identifier(*self.table.split("."))

    def table_exists(self) -> bool:
        conn = self._connect()
        try:
            with conn.transaction():
                row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (self.table,)).fetchone()
        except psycopg.Error as exc:
            raise self._error("cannot check the table", exc) from None
        return bool(row and row[0])

    def create_table(self) -> None:
        conn = self._connect()
        try:
            with conn.transaction():
                conn.execute(
                    sql.SQL("CREATE TABLE IF NOT EXISTS {} (key TEXT NOT NULL PRIMARY KEY, value JSONB NOT NULL)")
                    .format(self._ident)
                )
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot create table {self.table} ({self._host}): {' '.join(str(exc).split())}; "
                f"run this SQL as the owner: {create_table_sql(self.table)}"
            ) from None

    def _require_table(self) -> psycopg.Connection:
        if not self.table_exists():
            raise StoreError(
                f"table {self.table} does not exist in database {self._db} on {self._host}: "
                f"create it with: {create_table_sql(self.table)}"
            )
        return self._connect()

    def _key_order(self, conn: psycopg.Connection) -> sql.Composable:
        """`key` when its collation already sorts by code point (index usable), else `key COLLATE "C"`."""
        if self._order is None:
            row = conn.execute(
                """SELECT coll.collname, db.datcollate
                   FROM pg_attribute a JOIN pg_collation coll ON coll.oid = a.attcollation,
                        pg_database db
                   WHERE a.attrelid = to_regclass(%s) AND a.attname = 'key'
                     AND db.datname = current_database()""",
                (self.table,),
            ).fetchone()
            bytewise = bool(row) and (row[0] in _BYTEWISE or (row[0] == "default" and row[1] in _BYTEWISE))
            self._order = sql.SQL("key") if bytewise else sql.SQL('key COLLATE "C"')
        return self._order

    # -- reading -----------------------------------------------------------------------------
    def iter_pages(self, page_size: int = PAGE_SIZE, keys_only: bool = False) -> Iterator[list[Row]]:
        """One ordered binary COPY in a REPEATABLE READ snapshot, cut into pages.

        A single ordered stream (like pg_dump) instead of one keyset query per page: no planning
        per page, and no page can fall back to a full scan when the statistics are stale.
        """
        conn = self._require_table()
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                conn.execute("SET LOCAL enable_sort = off")  # walk the primary key index when it has the order
                order = self._key_order(conn)
                cols = sql.SQL("key") if keys_only else sql.SQL("key, value::jsonb")
                stmt = sql.SQL("COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT (FORMAT binary)")
                query = stmt.format(cols, self._ident, order).as_bytes(conn)
                yield from _binary_copy_pages(conn, query, page_size, 1 if keys_only else 2)
        except psycopg.Error as exc:
            raise self._error("reading the table failed", exc) from None

    def is_empty(self) -> bool:
        conn = self._require_table()
        try:
            with conn.transaction():
                row = conn.execute(sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(self._ident)).fetchone()
        except psycopg.Error as exc:
            raise self._error("reading the table failed", exc) from None
        return bool(row and row[0])

    def count(self) -> dict[str, int]:
        conn = self._require_table()
        counts = empty_counts()
        try:
            with conn.transaction():
                rows = conn.execute(
                    sql.SQL("SELECT " + sql_case() + " AS c, count(*) FROM {} GROUP BY 1").format(self._ident)
                ).fetchall()
        except psycopg.Error as exc:
            raise self._error("counting rows failed", exc) from None
        for name, n in rows:
            counts[name] += n
        return counts

    # -- writing -----------------------------------------------------------------------------
    def write(self, upserts: Iterable[Row], deletes: Iterable[str], progress: Progress | None = None) -> None:
        conn = self._connect()
        if not self.table_exists():
            self.create_table()
        try:
            with conn.transaction():
                try:
                    with conn.transaction():
                        # Fast path: straight COPY; fails on the first existing key.
                        written = self._copy(conn, self._ident, upserts, progress)
                except psycopg.errors.UniqueViolation:
                    conn.execute("CREATE TEMP TABLE IF NOT EXISTS mvdb_restore (key text, value jsonb) ON COMMIT DROP")
                    conn.execute("TRUNCATE mvdb_restore")
                    written = self._copy(conn, sql.Identifier("mvdb_restore"), upserts, progress)
                    conn.execute(
                        sql.SQL(
                            "INSERT INTO {} (key, value) SELECT key, value FROM mvdb_restore "
                            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value "
                            "WHERE {}.value IS DISTINCT FROM EXCLUDED.value"
                        ).format(self._ident, self._ident)
                    )
                batch: list[str] = []
                for key in deletes:
                    batch.append(key)
                    if len(batch) >= 10_000:
                        self._delete(conn, batch)
                        batch = []
                if batch:
                    self._delete(conn, batch)
        except psycopg.Error as exc:
            raise self._error("writing to the table failed, nothing was changed", exc) from None
        if written >= 10_000:
            # Fresh statistics after a bulk load keep the planner on the index (reads, the app).
            try:
                conn.execute(sql.SQL("ANALYZE {}").format(self._ident))
            except psycopg.Error:
                pass  # not the owner: autovacuum will do it

    def _copy(
        self, conn: psycopg.Connection, target: sql.Composable, rows: Iterable[Row], progress: Progress | None
    ) -> int:
        stmt = sql.SQL("COPY {} (key, value) FROM STDIN").format(target)
        total = 0
        with conn.cursor() as cur, cur.copy(stmt) as copy:
            for page in pages_of(rows):
                copy.write(_copy_text(page))
                total += len(page)
                if progress:
                    progress(len(page))
        return total

    def _delete(self, conn: psycopg.Connection, keys: list[str]) -> None:
        conn.execute(sql.SQL("DELETE FROM {} WHERE key = ANY(%s)").format(self._ident), (keys,))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _supabase_ref(host: str, user: str | None) -> str | None:
    """Project ref from db.<ref>.supabase.co or a pooler user `postgres.<ref>`."""
    if host.startswith("db.") and host.endswith(".supabase.co"):
        return host[3 : -len(".supabase.co")]
    if user and user.startswith("postgres.") and "pooler.supabase.com" in host:
        return user.split(".", 1)[1]
    return None


__all__ = ["PostgresStore", "categorize"]
