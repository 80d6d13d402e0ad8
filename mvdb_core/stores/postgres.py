"""PostgreSQL backend (psycopg 3): a Supabase connection string works as is.

Reads run as one ordered binary COPY in a REPEATABLE READ transaction (a consistent snapshot,
like pg_dump), cut into pages; values come back as the server's JSON text, untouched. Writes use
COPY into the table (new keys) or into a temp table and one upsert (existing keys), inside one
transaction. `exclusive()` holds the table in SHARE ROW EXCLUSIVE mode: the app can read but
not write until the session commits (docs/reliability.md).

The URL's password (and any secret query parameter) is kept apart from the connection string
and the display form, so no message built here can hold it.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import pq, sql
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..categories import empty_counts, sql_case
from ..errors import (
    AuthenticationError,
    MissingTable,
    PermissionDenied,
    PlanChanged,
    StoreBusy,
    StoreError,
    Unreachable,
    UsageError,
)
from ..redaction import is_secret_name, redact, redact_url
from ..retry import call_with_retries
from .base import PAGE_SIZE, Row, Store, create_table_sql, like_pattern, pages_of

CONNECT_TRIES = 3
LOCK_TIMEOUT = 10.0
"""Seconds `exclusive()` waits for another restore (or a long write) before StoreBusy."""
ANALYZE_AFTER = 10_000
"""Rows written after which the planner's statistics are refreshed (reads, and the app, stay on the index)."""

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
    fd = pgconn.socket

    def get(_: int = 0) -> tuple[int, Any]:
        # psycopg keeps the GIL in libpq's blocking read: waiting for the server there froze every other
        # thread (a snapshot's sealing workers). Take what libpq holds, else wait in select (without the GIL).
        while True:
            nbytes, data = pgconn.get_copy_data(1)
            if nbytes:
                return nbytes, data
            select.select([fd], [], [])
            pgconn.consume_input()

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

    def __init__(self, url: str, table: str, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.table = table
        self.lock_timeout = lock_timeout
        self._display = redact_url(url)
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error:  # libpq's own message may quote the password: it is not shown
            raise UsageError(
                f"invalid PostgreSQL URL {self._display}: it could not be parsed; use postgresql://user:password@host:"
                "5432/database, with special characters in the user name or password percent-encoded (%25 for %, %40 "
                "for @, %3A for :, %2F for /)"
            ) from None
        self._secrets = {k: str(v) for k, v in params.items() if v is not None and is_secret_name(k)}
        public = {k: v for k, v in params.items() if k not in self._secrets}
        self._conninfo = make_conninfo(**public)
        self._host = str(public.get("host") or "localhost")
        self._port = str(public.get("port") or "5432")
        if not all(p.strip().isdigit() for p in self._port.split(",")):
            raise UsageError(f"invalid PostgreSQL URL {self._display}: the port {self._port!r} is not a number")
        self._db = str(public.get("dbname") or "") or None
        self._user = str(public.get("user") or "") or None
        self._conn: psycopg.Connection | None = None
        self._order: sql.Composable | None = None
        self._regclass: str | None = None
        self._session = False

    @property
    def display(self) -> str:
        return self._display

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"kind": self.kind, "table": self.table, "host": self._host, "database": self._db}
        ref = _supabase_ref(self._host, self._user)
        if ref:
            info["projectId"] = ref
        return info

    # -- connection and errors -------------------------------------------------------------
    def _clean(self, exc: BaseException, *extra: str) -> str:
        secrets = [*getattr(self, "_secrets", {}).values(), *extra]
        return redact(" ".join(str(exc).split()), secrets)

    def _typed(self, doing: str, exc: psycopg.Error) -> StoreError:
        """The StoreError subclass that SQLSTATE names (docs/architecture.md, "Errors")."""
        state = exc.sqlstate or ""
        message = f"{doing} ({self._host}): {self._clean(exc)}"
        if state in ("28P01", "28000"):
            return AuthenticationError(message)
        if state == "42501":
            return PermissionDenied(message)
        if state in ("42P01", "3F000"):
            return MissingTable(message)
        if state == "23505":  # only `upsert=False` writes can collide: the plan took a key for new
            return PlanChanged(
                f"{doing} ({self._host}): a key the plan took for new exists now (another writer filled the table "
                "meanwhile); nothing was written; run the restore again"
            )
        if state == "55P03":
            return StoreBusy(
                f"table {self.table} on {self._host} is held by another restore or a long write (waited "
                f"{self.lock_timeout:g} s): nothing was written; try again when it has finished"
            )
        if state.startswith("08") or isinstance(exc, psycopg.errors.ConnectionTimeout):
            return Unreachable(message)
        return StoreError(message)

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise self._typed(doing, exc) from None

    def _server_answers(self) -> bool:
        """Whether something listens at the address: tells a refused login from a server out of reach.

        libpq reports no SQLSTATE for a failed connection, so the socket is asked instead.
        """
        port = int(self._port.split(",")[0])
        for host in self._host.split(","):
            try:
                if host.startswith("/"):
                    with socket.socket(socket.AF_UNIX) as s:
                        s.settimeout(5)
                        s.connect(f"{host}/.s.PGSQL.{port}")
                else:
                    socket.create_connection((host, port), timeout=5).close()
                return True
            except OSError:
                continue
        return False

    def _open(self) -> psycopg.Connection:
        try:
            return psycopg.connect(
                self._conninfo, autocommit=True, connect_timeout=15, application_name="mvdb-backup",
                client_encoding="UTF8",  # our bytes are UTF-8 whatever the database's encoding
                **self._secrets,
            )
        except psycopg.Error as exc:
            message = f"cannot connect to PostgreSQL ({self._host}): {self._clean(exc)}"
            if isinstance(exc, psycopg.OperationalError) and self._server_answers():
                raise AuthenticationError(
                    message + "; the server answered but refused the login: check the user, password and database"
                ) from None
            raise Unreachable(message) from None

    def _connect(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = call_with_retries(self._open, lambda exc: isinstance(exc, Unreachable), CONNECT_TRIES)
            self._conn.adapters.register_loader("jsonb", _RawJsonLoader)
            self._conn.adapters.register_loader("json", _RawJsonLoader)
        return self._conn

    @property
    def _ident(self) -> sql.Composable:
        return sql.Identifier(*self.table.split("."))

    def _regclass_text(self, conn: psycopg.Connection) -> str:
        """The quoted name for to_regclass(): finds `MyKV` as spelled, not folded to `mykv`."""
        if self._regclass is None:
            self._regclass = self._ident.as_string(conn)
        return self._regclass

    # -- the table ---------------------------------------------------------------------------
    def table_exists(self) -> bool:
        conn = self._connect()
        with self._errors("cannot check the table"), conn.transaction():
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (self._regclass_text(conn),)).fetchone()
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
            error = self._typed(f"cannot create table {self.table}", exc)
            raise type(error)(f"{error}; run this SQL as the owner: {create_table_sql(self.table)}") from None

    def apply_setup(self) -> None:
        """The table with the app's index, RLS and policy (`migration-script`'s 01_create_table.sql)."""
        from ..bundle import setup_sql

        conn = self._connect()
        try:
            with conn.transaction():
                conn.execute(setup_sql(self.table))
        except psycopg.Error as exc:
            error = self._typed(f"cannot set up table {self.table}", exc)
            raise type(error)(
                f"{error}; run 01_create_table.sql of `migration-script` as the database owner, then try again"
            ) from None

    def _require_table(self) -> psycopg.Connection:
        if not self.table_exists():
            raise MissingTable(
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
                (self._regclass_text(conn),),
            ).fetchone()
            bytewise = bool(row) and (row[0] in _BYTEWISE or (row[0] == "default" and row[1] in _BYTEWISE))
            self._order = sql.SQL("key") if bytewise else sql.SQL('key COLLATE "C"')
        return self._order

    # -- reading -----------------------------------------------------------------------------
    def iter_pages(self, page_size: int = PAGE_SIZE, keys_only: bool = False) -> Iterator[list[Row]]:
        """One ordered binary COPY in a REPEATABLE READ snapshot (inside `exclusive()`: its transaction).

        A single ordered stream (like pg_dump) instead of one keyset query per page: no planning
        per page, and no page can fall back to a full scan when the statistics are stale.
        """
        conn = self._require_table()
        with self._errors("reading the table failed"), conn.transaction():
            if not self._session:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            conn.execute("SET LOCAL enable_sort = off")  # walk the primary key index when it has the order
            cols = sql.SQL("key") if keys_only else sql.SQL("key, value::jsonb")
            stmt = sql.SQL("COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT (FORMAT binary)")
            query = stmt.format(cols, self._ident, self._key_order(conn)).as_bytes(conn)
            yield from _binary_copy_pages(conn, query, page_size, 1 if keys_only else 2)

    def rows_between(self, start: str, stop: str | None = None, contains: str | None = None) -> Iterator[Row]:
        """Keyset pages of the range (the key index finds the start; no read of the rows before it); with
        `contains`, the server leaves out the rows that do not hold it (ILIKE)."""
        conn = self._require_table()
        with self._errors("reading the table failed"), conn.transaction():
            if not self._session:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            order = self._key_order(conn)
            below = sql.SQL("") if stop is None else sql.SQL(" AND {} < {}").format(order, sql.Literal(stop))
            if contains:
                like = sql.Literal(like_pattern(contains))
                below += sql.SQL(" AND (key ILIKE {} OR value::text ILIKE {})").format(like, like)
            op = ">="
            while True:
                stmt = sql.SQL("COPY (SELECT key, value::jsonb FROM {} WHERE {} {} {}{} ORDER BY {} LIMIT {}) "
                               "TO STDOUT (FORMAT binary)")
                query = stmt.format(self._ident, order, sql.SQL(op), sql.Literal(start), below, order,
                                    sql.Literal(PAGE_SIZE)).as_bytes(conn)
                page = [row for rows in _binary_copy_pages(conn, query, PAGE_SIZE, 2) for row in rows]
                yield from page
                if len(page) < PAGE_SIZE:
                    return
                start, op = page[-1][0], ">"

    def is_empty(self) -> bool:
        conn = self._require_table()
        with self._errors("reading the table failed"), conn.transaction():
            row = conn.execute(sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(self._ident)).fetchone()
        return bool(row and row[0])

    def count(self) -> dict[str, int]:
        conn = self._require_table()
        counts = empty_counts()
        with self._errors("counting rows failed"), conn.transaction():
            rows = conn.execute(
                sql.SQL("SELECT " + sql_case() + " AS c, count(*) FROM {} GROUP BY 1").format(self._ident)
            ).fetchall()
        for name, n in rows:
            counts[name] += n
        return counts

    # -- writing -----------------------------------------------------------------------------
    def write(self, rows: Iterable[Row], deletes: Iterable[str] = (), *, upsert: bool = True) -> None:
        conn = self._connect()
        written = 0
        with self._errors("writing to the table failed, nothing was changed"), conn.transaction():
            if not self.table_exists():
                self.create_table()
            if upsert:
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS mvdb_restore (key text, value jsonb) ON COMMIT DROP")
                conn.execute("TRUNCATE mvdb_restore")
                written = self._copy(conn, sql.Identifier("mvdb_restore"), rows)
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (key, value) SELECT key, value FROM mvdb_restore "
                        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value "
                        "WHERE {}.value IS DISTINCT FROM EXCLUDED.value"
                    ).format(self._ident, self._ident)
                )
            else:
                written = self._copy(conn, self._ident, rows)
            for page in pages_of(((key, b"") for key in deletes), 10_000):
                keys = [key for key, _ in page]
                conn.execute(sql.SQL("DELETE FROM {} WHERE key = ANY(%s)").format(self._ident), (keys,))
        if written >= ANALYZE_AFTER:
            try:
                with conn.transaction():
                    conn.execute(sql.SQL("ANALYZE {}").format(self._ident))
            except psycopg.Error:
                pass  # not the owner: autovacuum will do it

    def _copy(self, conn: psycopg.Connection, target: sql.Composable, rows: Iterable[Row]) -> int:
        stmt = sql.SQL("COPY {} (key, value) FROM STDIN").format(target)
        total = 0
        with conn.cursor() as cur, cur.copy(stmt) as copy:
            for page in pages_of(rows):
                copy.write(_copy_text(page))
                total += len(page)
        return total

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One transaction holding an advisory lock (our sessions queue) and SHARE ROW EXCLUSIVE (the app waits)."""
        if self._session:
            raise RuntimeError("exclusive() is not re-entrant")
        conn = self._connect()
        with self._errors("the restore failed, nothing was changed"), conn.transaction():
            timeout = sql.Literal(f"{self.lock_timeout * 1000:.0f}ms")
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(timeout))
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("mvdb-backup " + self._regclass_text(conn),))
            if self.table_exists():
                conn.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(self._ident))
            conn.execute("SET LOCAL lock_timeout = 0")
            self._session = True
            try:
                yield
            finally:
                self._session = False

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

