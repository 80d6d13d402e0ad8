"""Supabase Data API backend: PostgREST's documented HTTP API, spoken with httpx.

Reads page by key (`key=gt.<last>&order=key&limit=1000`, never offsets) until an empty page, so
a server-side row cap cannot truncate a backup; the server orders by its own collation, so the
rows are re-sorted into code-point order with a bounded-memory external sort. (Each page is its
own transaction: unlike a postgresql:// read, it is not one snapshot, and there is no lock to
take: see docs/reliability.md.) Values are asked for as `value::text`: PostgreSQL's own JSON
text, only stripped of insignificant spaces, never parsed into Python numbers. Upserts send that
compact JSON text as the request body as is (`POST ?on_conflict=key` with
`Prefer: resolution=merge-duplicates`), so big numbers and decimal digits arrive exactly.
Transient failures are retried (mvdb_core.retry); errors are typed by HTTP status and
PostgREST's code and never contain the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

from ..categories import categorize, empty_counts
from ..errors import AuthenticationError, MissingTable, PermissionDenied, StoreError, Unreachable, UsageError
from ..jsonvalue import dumps, loads
from ..redaction import redact, redact_url
from ..retry import call_with_retries
from .api_keys import key_role
from .base import DEFAULT_TABLE, PAGE_SIZE, Row, Store, create_table_sql, pages_of, validate_table_name
from .sorting import RUN_SIZE, external_sort, pages

FETCH_SIZE = 1000  # rows asked for per request; PostgREST's usual max-rows on Supabase is 1000
UPSERT_CHUNK = 1000
DELETE_CHUNK = 100
DELETE_URL_BUDGET = 4000  # characters of encoded keys per DELETE request
TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})
KEY_HELP = "pass --key or set MVDB_SUPABASE_KEY (the project's service_role key)"

_JSON_STRING = re.compile(r'("(?:[^"\\]|\\.)*")', re.S)


def compact_json_text(text: str) -> str:
    """Drop the whitespace outside JSON strings (PostgreSQL's jsonb text has `, ` and `: `)."""
    if " " not in text and "\n" not in text and "\t" not in text and "\r" not in text:
        return text
    if '"' not in text:
        return "".join(text.split())
    parts = _JSON_STRING.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = "".join(parts[i].split())
    return "".join(parts)


def _quote_in(value: str) -> str:
    """An element of a PostgREST `in.(...)` list, always quoted (unquoted ones lose leading spaces)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Transient(Exception):
    """A failure worth another try; carries the error to raise when the tries run out."""

    def __init__(self, error: StoreError) -> None:
        super().__init__(str(error))
        self.error = error


class RestStore(Store):
    """The KV table behind a Supabase project URL (or any PostgREST base URL)."""

    kind = "supabase"
    accepts_json_null = False
    transactional = False  # batches of 1,000 rows, each its own request
    locking = False

    def __init__(self, url: str, table: str = DEFAULT_TABLE, key: str | None = None, *, retries: int = 5,
                 backoff: float = 0.2, sleep: Callable[[float], None] | None = None, timeout: float = 60.0,
                 run_size: int = RUN_SIZE) -> None:
        url = (url or "").strip()
        self._display = redact_url(url)
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError as exc:
            raise UsageError(
                f"invalid Supabase URL {self._display}: {exc}; use https://<project>.supabase.co"
            ) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"invalid Supabase URL {self._display}: use https://<project>.supabase.co")
        query_key = dict(parse_qsl(parts.query)).get("apikey")
        key = key or query_key
        if not key or not key.strip():
            raise UsageError(f"a key is needed for the Supabase Data API at {self._display}: {KEY_HELP}")
        path = parts.path.rstrip("/").removesuffix("/rest/v1")
        self.url = f"{parts.scheme}://{parts.netloc}{path}"
        self.table = validate_table_name(table)
        self._key = key.strip()
        schema, _, self._name = table.rpartition(".")
        self._schema = schema or "public"
        self._host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self._endpoint = f"{self.url}/rest/v1/{quote(self._name, safe='')}"
        self.retries, self.backoff, self.timeout, self.run_size = retries, backoff, timeout, run_size
        self._sleep = sleep
        self._http: httpx.Client | None = None

    @property
    def display(self) -> str:
        return self._display

    # -- HTTP, retries and errors ------------------------------------------------------------
    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                # No redirects: httpx would carry the `apikey` header to another host, and turn a POST into a GET.
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 15.0)), follow_redirects=False,
                headers={"apikey": self._key, "Authorization": f"Bearer {self._key}",
                         "Accept-Profile": self._schema, "Content-Profile": self._schema},
            )
        return self._http

    def _clean(self, text: str) -> str:
        return redact(" ".join(str(text).split()), [self._key])

    def _request(self, method: str, doing: str, params: list[tuple[str, str]], **kwargs: Any) -> httpx.Response:
        """One HTTP call, retried while it fails transiently; any failure becomes a typed StoreError."""
        def once() -> httpx.Response:
            try:
                response = self._client().request(method, self._endpoint, params=params, **kwargs)
            except httpx.TransportError as exc:
                reason = self._clean(str(exc) or type(exc).__name__)
                raise _Transient(Unreachable(
                    f"cannot reach {self._display}: {reason} (while {doing} {self.table}, {self.retries} attempts)"
                )) from None
            if response.is_success:
                return response
            error = self._api_error(response, doing)
            if response.status_code in TRANSIENT_STATUS:
                raise _Transient(error)
            raise error

        kw = {"sleep": self._sleep} if self._sleep is not None else {}
        try:
            return call_with_retries(once, lambda exc: isinstance(exc, _Transient), self.retries, self.backoff, **kw)
        except _Transient as exc:
            raise exc.error from None

    def _api_error(self, response: httpx.Response, doing: str) -> StoreError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        code = str(body.get("code") or "")
        message = self._clean(body.get("message") or response.reason_phrase or "")
        label = f"HTTP {status}" + (f", {code}" if code and code != str(status) else "")
        if response.is_redirect:
            where = redact_url(response.headers.get("location", "elsewhere"))
            return StoreError(
                f"{self._display} answered with a redirect ({label}) to {where}: use the project's own https:// URL "
                "(Supabase → Project Settings → API)"
            )
        if code == "42501" or status == 403:  # PostgREST answers 401 for an anonymous role's 42501
            return PermissionDenied(
                f"the key is not allowed to access {self.table} ({label}: {message}): under Row Level Security "
                "use the project's service_role key, or a postgresql:// connection string"
            )
        if status == 401 or code in ("PGRST301", "PGRST302"):
            return AuthenticationError(f"the Supabase key was rejected ({label}): check the project URL and the key")
        if code in ("PGRST205", "42P01"):
            return MissingTable(
                f"table {self.table} does not exist in the Supabase project at {self._host}: "
                f"run this in the Supabase SQL editor, then retry: {create_table_sql(self.table)}"
            )
        if status == 404:
            return StoreError(f"{self._display} answered 404 for the Data API ({message}): check the project URL")
        tail = f" after {self.retries} attempts" if status in TRANSIENT_STATUS else ""
        return StoreError(f"the Supabase Data API failed while {doing} {self.table} ({label}){tail}: {message}")

    # -- interface ---------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        host = urlsplit(self.url).hostname or ""
        ref = host[: -len(".supabase.co")] if host.endswith(".supabase.co") and host.count(".") == 2 else None
        return {"kind": self.kind, "table": self.table, "projectId": ref, "host": self._host}

    def table_exists(self) -> bool:
        try:
            self._request("GET", "checking", [("select", "key"), ("limit", "1")])
        except MissingTable:
            return False
        return True

    def create_table(self) -> None:
        raise MissingTable(
            f"the Supabase Data API cannot create tables: run this in the Supabase SQL editor "
            f"(project {self._host}), then retry: {create_table_sql(self.table)}"
        )

    def apply_setup(self) -> None:
        from ..bundle import setup_sql

        statements = " ".join(line for line in setup_sql(self.table).splitlines() if line and not line.startswith("--"))
        raise MissingTable(
            f"the Supabase Data API cannot create or set up table {self.table}: run this SQL in the project's SQL "
            f"Editor (or 01_create_table.sql of `migration-script`), then try again: {statements}"
        )

    def empty_reason(self) -> str | None:
        if key_role(self._key) != "anon":
            return None
        return (
            "the key is an anon (public) key: under Row Level Security, which MVDB's setup enables, "
            "an anon key sees zero rows; use the project's service_role key or a postgresql:// connection string"
        )

    def scan(self, keys_only: bool = False, like: str | None = None) -> Iterator[Row]:
        """Every row (whose key is LIKE `like`) in the server's own order (its collation), page by page until an
        empty page."""
        columns = "key" if keys_only else "key,value::text"
        last: str | None = None
        while True:
            params = [("select", columns)] + ([("key", f"like.{like}")] if like else [])
            if last is not None:
                params.append(("key", f"gt.{last}"))
            params += [("order", "key"), ("limit", str(FETCH_SIZE))]
            response = self._request("GET", "reading", params)
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, list):
                raise StoreError(f"{self._display} did not answer like the Supabase Data API: check the project URL")
            if not data:
                return
            for item in data:
                if keys_only:
                    yield item["key"], b""
                else:
                    text = item["value"]
                    yield item["key"], b"null" if text is None else compact_json_text(text).encode()
            if data[-1]["key"] == last:
                raise StoreError(f"the Supabase Data API did not advance past key {last!r} while reading {self.table}")
            last = data[-1]["key"]

    def iter_pages(self, page_size: int = PAGE_SIZE, keys_only: bool = False) -> Iterator[list[Row]]:
        previous: str | None = None
        for page in pages(external_sort(self.scan(keys_only), self.run_size), page_size):
            if page[0][0] == previous or any(page[i][0] == page[i + 1][0] for i in range(len(page) - 1)):
                raise StoreError(f"the Supabase Data API returned a key twice while reading {self.table}")
            previous = page[-1][0]
            yield page

    def rows_between(self, start: str, stop: str | None = None, contains: str | None = None) -> Iterator[Row]:
        """The server sends the keys that begin with what `start` and `stop` share (LIKE, whose matching no
        collation changes); those in the range are sorted here into code-point order."""
        shared = os.path.commonprefix([start, stop]).split("*")[0] if stop is not None else ""
        like = "".join("\\" + c if c in "\\%_" else c for c in shared) + "*" if shared else None
        found = (row for row in self.scan(like=like) if row[0] >= start and (stop is None or row[0] < stop))
        yield from external_sort(found, self.run_size)

    def count(self) -> dict[str, int]:
        counts = empty_counts()
        for key, _ in self.scan(keys_only=True):
            counts[categorize(key)] += 1
        return counts

    def write(self, rows: Iterable[Row], deletes: Iterable[str] = (), *, upsert: bool = True) -> None:
        """Upsert in chunks of 1,000 rows, then delete in chunks of <= 100 keys (not atomic over REST)."""
        for page in pages_of(rows, UPSERT_CHUNK):
            self._upsert(dict(page))  # a key given twice: the last value wins (as one upsert would)
        batch: list[str] = []
        size = 0
        for key in deletes:
            cost = len(quote(_quote_in(key), safe="")) + 3
            if batch and (len(batch) >= DELETE_CHUNK or size + cost > DELETE_URL_BUDGET):
                self._delete(batch)
                batch, size = [], 0
            batch.append(key)
            size += cost
        if batch:
            self._delete(batch)

    def _upsert(self, rows: dict[str, bytes]) -> None:
        parts = []
        for key, value in rows.items():
            try:
                parsed = loads(value)  # the body is spliced from these texts: each must be one JSON value
            except ValueError:
                raise StoreError(f"the value of key {key!r} is not valid JSON; nothing more was written") from None
            if parsed is None:
                raise StoreError(
                    f"cannot write key {key!r} through the Supabase Data API: its value is JSON null, which "
                    "PostgREST stores as SQL NULL and the table refuses; use a postgresql:// connection string"
                )
            parts.append(b'{"key":' + dumps(key) + b',"value":' + value + b"}")
        body = b"[" + b",".join(parts) + b"]"
        self._request(
            "POST", "writing to", [("on_conflict", "key"), ("columns", "key,value")], content=body,
            headers={"Content-Type": "application/json", "Prefer": "resolution=merge-duplicates,return=minimal"},
        )

    def _delete(self, keys: list[str]) -> None:
        in_list = "in.(" + ",".join(map(_quote_in, keys)) + ")"
        self._request("DELETE", "deleting from", [("key", in_list)], headers={"Prefer": "return=minimal"})

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
