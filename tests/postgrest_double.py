"""A PostgREST-compatible TEST DOUBLE of the Supabase Data API, over a real PostgreSQL database.

The real Supabase Data API (PostgREST behind Supabase's API gateway) cannot be reached from the
test machines, so this small server stands in for it. It follows PostgREST's documented
behaviour for the subset the REST store uses, and lets PostgreSQL do the real work:

- `GET /rest/v1/<table>`: `select=a,b::text`, `order=col.asc|desc[.nullsfirst|nullslast]`,
  `limit`, `offset`, filters `col=[not.]eq|neq|gt|gte|lt|lte|like|ilike.X` (`*` stands for `%` in
  like patterns), `in.(a,"b,c")` (PostgREST quoting: double quotes, backslash escapes; unquoted
  elements keep their spaces except right after `(`), `is.null|true|false`. At most `max_rows`
  rows per response; `Prefer: count=exact` gives `Content-Range: 0-999/12345` (`*/0` when empty)
  and 206 for a partial range.
- `POST`: insert of one object or an array, `columns=`, `on_conflict=`, `Prefer:
  resolution=merge-duplicates|ignore-duplicates`, `return=minimal` (201, empty body, the default)
  or `return=representation`. A conflict without a resolution is PostgreSQL's 23505, HTTP 409.
  The body goes to PostgreSQL as text (`json_populate_recordset`) and rows come back as
  PostgreSQL's own JSON text (`json_agg`), so no value is re-encoded by Python.
- `DELETE` with filters.
- Errors are PostgREST-shaped `{"code","details","hint","message"}`: a missing table is 404
  PGRST205, a bad query parameter 400 PGRST100, PostgreSQL errors map to PostgREST's statuses.
- Keys: the gateway's `apikey` check (401 "Invalid API key"), then the role of the Bearer token
  (or of the apikey). Roles `anon`/`service_role` are real PostgreSQL roles (service_role has
  BYPASSRLS) and each request runs under `SET LOCAL ROLE`. With `rls` on, the table gets
  `ENABLE ROW LEVEL SECURITY` with no policy for anon, so PostgreSQL itself makes anon read `[]`
  and refuses its inserts/upserts with 42501 `new row violates row-level security policy for
  table "X"` (HTTP 401 for anon, as PostgREST does). As in PostgreSQL, an anon DELETE under RLS
  is not an error: it silently deletes nothing (204).
- `collation`: compare and order text columns with that collation (e.g. "en-US-x-icu"), the way a
  database created with a non-C locale behaves.
- `fail_next(n, status)`: the next n requests fail with that status (0 drops the connection).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
from psycopg import sql

JWT_SECRET = b"postgrest-double-not-a-real-secret"
OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "like": "LIKE", "ilike": "ILIKE"}
RESERVED = {"select", "columns", "on_conflict", "order", "limit", "offset", "and", "or", "apikey"}
FAULT_BODIES = {
    503: {"code": "PGRST001", "details": None, "hint": None,
          "message": "Database client error. Retrying the connection."},
    502: {"message": "An invalid response was received from the upstream server"},
    504: {"message": "The upstream server is timing out"},
    429: {"message": "API rate limit exceeded"},
}


def make_jwt(payload: dict[str, Any], secret: bytes = JWT_SECRET) -> str:
    """An HS256 JWT, shaped like Supabase's legacy anon/service_role keys."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(payload).encode())
    return head + "." + b64(hmac.new(secret, head.encode(), hashlib.sha256).digest())


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message"))
        self.status, self.body = status, body


def _err(status: int, code: str | None, message: str, details: str | None = None, hint: str | None = None) -> ApiError:
    return ApiError(status, {"code": code, "details": details, "hint": hint, "message": message})


def _parse_error(what: str, text: str, detail: str) -> ApiError:
    return _err(400, "PGRST100", f'"failed to parse {what} ({text})" (line 1, column 1)', detail)


def parse_in_list(text: str) -> list[str]:
    """PostgREST's `in` list: `(a,"b,c")`; quoted elements take backslash escapes."""
    i, n, out = 0, len(text), []
    while i < n and text[i] in " \t":
        i += 1
    if i >= n or text[i] != "(":
        raise _parse_error("filter", "in." + text, 'expecting "("')
    i += 1
    while i < n and text[i] in " \t":
        i += 1
    while True:
        elem, j = None, i
        if j < n and text[j] == '"':  # quoted, only if followed by `,` or `)`
            buf, j = [], j + 1
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            if j < n and j + 1 < n and text[j + 1] in ",)":
                elem, i = "".join(buf), j + 1
        if elem is None:
            j = i
            while j < n and text[j] not in ",)":
                j += 1
            elem, i = text[i:j], j
        out.append(elem)
        if i < n and text[i] == ",":
            i += 1
            continue
        if i < n and text[i] == ")":
            return out
        raise _parse_error("filter", "in." + text, 'expecting "," or ")"')


class PostgrestDouble:
    """Start with `start()`; `url` is the project URL (supabase-py appends /rest/v1)."""

    def __init__(self, pg_url: str, *, rls: bool = False, max_rows: int = 1000, collation: str | None = None,
                 schemas: tuple[str, ...] = ("public",)) -> None:
        self.pg_url, self.rls, self.max_rows, self.collation, self.schemas = pg_url, rls, max_rows, collation, schemas
        self.service_key = make_jwt({"iss": "supabase", "ref": "double", "role": "service_role"})
        self.anon_key = make_jwt({"iss": "supabase", "ref": "double", "role": "anon"})
        self.roles = {self.service_key: "service_role", self.anon_key: "anon"}
        self.table: str | None = None  # set by the rest_server fixture
        self.requests: list[tuple[str, str]] = []  # (method, query string) of every request
        self._faults: list[int] = []
        self._lock = threading.Lock()
        self._pool: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._httpd: ThreadingHTTPServer | None = None

    # -- control ---------------------------------------------------------------------------
    def set_rls(self, on: bool) -> None:
        self.rls = on

    def fail_next(self, n: int, status: int = 503) -> None:
        with self._lock:
            self._faults = [status] * n

    def start(self) -> PostgrestDouble:
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            for role, extra in (("anon", ""), ("authenticated", ""), ("service_role", " BYPASSRLS")):
                conn.execute(f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN{extra}; "
                             "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
            roles = "anon, authenticated, service_role"
            conn.execute(f"GRANT USAGE ON SCHEMA public TO {roles}")
            conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {roles}")
            conn.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO {roles}")
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        while not self._pool.empty():
            self._pool.get().close()

    def take_fault(self) -> int | None:
        with self._lock:
            return self._faults.pop() if self._faults else None

    # -- request handling ------------------------------------------------------------------
    def role_for(self, headers: Any, params: list[tuple[str, str]]) -> str:
        apikey = headers.get("apikey") or dict(params).get("apikey")
        if not apikey:
            raise ApiError(401, {"message": "No API key found in request",
                                 "hint": "No `apikey` request header or url param was found."})
        if apikey not in self.roles:
            raise ApiError(401, {"message": "Invalid API key",
                                 "hint": "Double check your Supabase `anon` or `service_role` API key."})
        auth = headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else apikey
        if token not in self.roles:
            raise _err(401, "PGRST301", "No suitable key or wrong key type")
        return self.roles[token]

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        params = parse_qsl(parts.query, keep_blank_values=True)
        self.requests.append((method, parts.query))
        m = re.fullmatch(r"/rest/v1/([^/]+)", parts.path)
        if not m:
            raise ApiError(404, {"message": "no Route matched with those values"})
        role = self.role_for(headers, params)
        schema = headers.get("Accept-Profile" if method in ("GET", "HEAD") else "Content-Profile") or self.schemas[0]
        if schema not in self.schemas:
            raise _err(406, "PGRST106", "Invalid schema: " + schema,
                       hint="Only the following schemas are exposed: " + ", ".join(self.schemas))
        prefer = {p.strip() for h in headers.get_all("Prefer") or [] for p in h.split(",")}
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(self.pg_url, autocommit=True)
        try:
            with conn.transaction():
                return _Request(self, conn, schema, m.group(1), params, prefer, role).run(method, body)
        except psycopg.Error as exc:
            raise _pg_error(exc, role) from None
        finally:
            if conn.broken:
                conn.close()
            else:
                self._pool.put(conn)


def _pg_error(exc: psycopg.Error, role: str) -> ApiError:
    code = exc.sqlstate or ""
    status = {"23503": 409, "23505": 409, "42P01": 404, "42883": 404, "25006": 405}.get(code)
    if code == "42501":
        status = 401 if role == "anon" else 403
    elif status is None:
        status = 400 if code[:2] in ("22", "23", "42") else 503 if code[:2] in ("08", "53", "57") else 500
    diag = exc.diag
    return _err(status, code, diag.message_primary or str(exc), diag.message_detail, diag.message_hint)


class _Request:
    def __init__(self, srv: PostgrestDouble, conn: psycopg.Connection, schema: str, table: str,
                 params: list[tuple[str, str]], prefer: set[str], role: str) -> None:
        self.srv, self.conn, self.params, self.prefer, self.role = srv, conn, params, prefer, role
        self.name = f"{schema}.{table}"
        self.ident = sql.Identifier(schema, table)
        info = conn.execute(
            """SELECT c.relrowsecurity, array_agg(a.attname::text ORDER BY a.attnum),
                      array_agg(a.atttypid::regtype::text ORDER BY a.attnum),
                      (SELECT array_agg(k.attname::text) FROM pg_index i JOIN pg_attribute k
                         ON k.attrelid = i.indrelid AND k.attnum = ANY(i.indkey)
                       WHERE i.indrelid = c.oid AND i.indisprimary)
               FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               WHERE c.oid = to_regclass(%s) GROUP BY c.oid""", (sql.Identifier(schema, table).as_string(conn),)
        ).fetchone()
        if info is None:
            raise _err(404, "PGRST205", f"Could not find the table '{self.name}' in the schema cache")
        if info[0] != srv.rls:  # make PostgreSQL enforce the double's RLS setting
            conn.execute(sql.SQL("ALTER TABLE {} {} ROW LEVEL SECURITY").format(
                self.ident, sql.SQL("ENABLE" if srv.rls else "DISABLE")))
        self.types = dict(zip(info[1], info[2]))
        self.pkey = info[3] or []
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))

    def col(self, name: str, compare: bool = False) -> sql.Composable:
        ident = sql.Identifier(name)
        if compare and self.srv.collation and self.types.get(name) in ("text", "character varying", "character"):
            return sql.SQL("{} COLLATE {}").format(ident, sql.Identifier(self.srv.collation))
        return ident

    def where(self) -> sql.Composable:
        conds: list[sql.Composable] = []
        for key, value in self.params:
            head = value.split(".", 1)[0]
            if key in RESERVED or not (head in OPS or head in ("not", "in", "is")):
                continue
            neg, rest = (True, value[4:]) if head == "not" else (False, value)
            op, dot, arg = rest.partition(".")
            if op == "in":
                cond = sql.SQL("{} = ANY({})").format(self.col(key, True), sql.Literal(parse_in_list(arg)))
            elif op == "is" and arg.lower() in ("null", "true", "false", "unknown"):
                cond = sql.SQL("{} IS {}").format(self.col(key), sql.SQL(arg.upper()))
            elif op in OPS and dot:
                arg = arg.replace("*", "%") if op in ("like", "ilike") else arg
                cond = sql.SQL("{} {} {}").format(self.col(key, True), sql.SQL(OPS[op]), sql.Literal(arg))
            else:
                raise _parse_error("filter", value, f"unknown single value operator {op}")
            conds.append(sql.SQL("NOT ({})").format(cond) if neg else cond)
        return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conds) if conds else sql.SQL("")

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)

    def run(self, method: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if method in ("GET", "HEAD"):
            return self.get(method == "HEAD")
        if method == "POST":
            return self.post(body)
        if method == "DELETE":
            return self.delete()
        raise _err(405, "PGRST117", f"Unsupported HTTP method: {method}")

    def get(self, head: bool) -> tuple[int, dict[str, str], bytes]:
        select = self.param("select") or "*"
        cols: list[sql.Composable] = []
        for item in select.split(","):
            m = re.fullmatch(r"\s*(\*|[A-Za-z_][A-Za-z0-9_]*)(?:::([A-Za-z_][A-Za-z0-9_ ]*))?\s*", item)
            if not m:
                raise _parse_error("select parameter", select, "unexpected " + repr(item))
            name, cast = m.groups()
            cols.append(sql.SQL("*") if name == "*" else sql.SQL("CAST({} AS {}) AS {}").format(
                sql.Identifier(name), sql.SQL(cast), sql.Identifier(name)) if cast else sql.Identifier(name))
        order: list[sql.Composable] = []
        for term in filter(None, (self.param("order") or "").split(",")):
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:\.(asc|desc))?(?:\.(nullsfirst|nullslast))?", term.strip())
            if not m:
                raise _parse_error("order", self.param("order") or "", "unexpected " + repr(term))
            order.append(sql.SQL("{} {} {}").format(self.col(m.group(1), True), sql.SQL((m.group(2) or "asc").upper()),
                                                    sql.SQL({"nullsfirst": "NULLS FIRST", "nullslast": "NULLS LAST"}
                                                            .get(m.group(3) or "", ""))))
        limit = self.srv.max_rows
        raw_limit, raw_offset = self.param("limit"), self.param("offset")
        if raw_limit and raw_limit.isdigit():
            limit = min(limit, int(raw_limit))
        offset = int(raw_offset) if raw_offset and raw_offset.isdigit() else 0
        where = self.where()
        query = sql.SQL("SELECT coalesce(json_agg(t), '[]')::text, count(*) "
                        "FROM (SELECT {} FROM {}{}{} LIMIT {} OFFSET {}) t")
        text, n = self.conn.execute(query.format(
            sql.SQL(", ").join(cols), self.ident, where,
            sql.SQL(" ORDER BY ") + sql.SQL(", ").join(order) if order else sql.SQL(""),
            sql.Literal(limit), sql.Literal(offset))).fetchone()
        total = None
        if "count=exact" in self.prefer:
            total = self.conn.execute(sql.SQL("SELECT count(*) FROM {}{}").format(self.ident, where)).fetchone()[0]
        if total is not None and offset > total:
            raise _err(416, "PGRST103", "Requested range not satisfiable",
                       f"An offset of {offset} was requested, but there are only {total} rows.")
        rng = f"{offset}-{offset + n - 1}" if n else "*"
        status = 206 if total is not None and n < total else 200
        return status, {"Content-Range": f"{rng}/{'*' if total is None else total}"}, b"" if head else text.encode()

    def post(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            data = json.loads(body)  # validation and column names only; the text goes to PostgreSQL
        except ValueError:
            raise _err(400, "PGRST102", "Empty or invalid json") from None
        first = (data[0] if data else {}) if isinstance(data, list) else data
        if not isinstance(first, dict):
            raise _err(400, "PGRST102", "All object keys must match")
        columns = self.param("columns")
        names = [c.strip().strip('"') for c in columns.split(",")] if columns else list(first)
        for name in names:
            if name not in self.types:
                raise _err(400, "PGRST204", f"Could not find the '{name}' column of '{self.name.split('.')[1]}' "
                           "in the schema cache")
        cols = sql.SQL(", ").join(map(sql.Identifier, names))
        stmt = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM json_populate_recordset(NULL::{}, "
                       "CASE json_typeof(%(b)s::json) WHEN 'array' THEN %(b)s::json "
                       "ELSE json_build_array(%(b)s::json) END) _").format(
            self.ident, cols, cols, self.ident)
        on_conflict = self.param("on_conflict")
        target = [c.strip() for c in on_conflict.split(",")] if on_conflict else self.pkey
        if "resolution=merge-duplicates" in self.prefer:
            sets = sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                                      for c in names)
            stmt += sql.SQL(" ON CONFLICT ({}) DO UPDATE SET {}").format(
                sql.SQL(", ").join(map(sql.Identifier, target)), sets)
        elif "resolution=ignore-duplicates" in self.prefer:
            stmt += sql.SQL(" ON CONFLICT ({}) DO NOTHING").format(sql.SQL(", ").join(map(sql.Identifier, target)))
        return self.mutate(stmt, {"b": body.decode()}, 201)

    def delete(self) -> tuple[int, dict[str, str], bytes]:
        return self.mutate(sql.SQL("DELETE FROM {}{}").format(self.ident, self.where()), {}, 204)

    def mutate(self, stmt: sql.Composable, args: dict[str, Any], status: int) -> tuple[int, dict[str, str], bytes]:
        if "return=representation" in self.prefer:
            stmt = sql.SQL("WITH t AS ({} RETURNING *) "
                           "SELECT coalesce(json_agg(t), '[]')::text, count(*) FROM t").format(stmt)
            text, n = self.conn.execute(stmt, args or None).fetchone()
            return (200 if status == 204 else status), {"Content-Range": f"*/{n}"}, text.encode()
        n = self.conn.execute(stmt, args or None).rowcount
        return status, {"Content-Range": f"*/{n if 'count=exact' in self.prefer else '*'}"}, b""


def _handler_for(srv: PostgrestDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # one buffered write per response (flushed by http.server), no Nagle stalls
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = srv.take_fault()
            if fault == 0:  # drop the connection without an answer
                self.close_connection = True
                return
            headers: dict[str, str] = {}
            try:
                if fault:
                    raise ApiError(fault, FAULT_BODIES.get(fault, {"code": None, "details": None, "hint": None,
                                                                   "message": f"injected fault {fault}"}))
                status, headers, payload = srv.handle(self.command, self.path, self.headers, body)
            except ApiError as exc:
                status, payload = exc.status, json.dumps(exc.body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = do_DELETE = do_PATCH = _serve

    return Handler
