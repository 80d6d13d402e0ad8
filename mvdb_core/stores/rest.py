"""Supabase Data API backend (PostgREST) through supabase-py.

Reads page by key (`key > last ORDER BY key LIMIT 1000`, never offsets) until an empty page, so
a server-side row cap cannot truncate a backup; the server orders by its own collation, so the
rows are re-sorted into code-point order with a bounded-memory external sort. (Each page is its
own transaction: unlike a postgresql:// read, it is not one snapshot.) Values are asked
for as `value::text`: PostgreSQL's own JSON text, only stripped of insignificant spaces, never
parsed into Python numbers. Upserts send that compact JSON text as the request body as is (built
with supabase-py's request builder, posted through its HTTP session), so big numbers and decimal
digits arrive exactly. Transient failures are retried with exponential backoff; every error
becomes a one-line StoreError that never contains the key.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..categories import categorize, empty_counts
from ..errors import StoreError, UsageError
from ..jsonvalue import dumps, loads
from . import redact_url
from .base import DEFAULT_TABLE, PAGE_SIZE, Progress, Row, Store, create_table_sql, validate_table_name
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


def key_role(key: str) -> str | None:
    """The role a Supabase API key acts as ('anon', 'service_role', ...), read without verifying."""
    if key.startswith("sb_publishable_"):
        return "anon"
    if key.startswith("sb_secret_"):
        return "service_role"
    parts = key.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    role = payload.get("role") if isinstance(payload, dict) else None
    return role if isinstance(role, str) else None


class MissingTableError(StoreError):
    """The KV table is not there (PostgREST PGRST205 / PostgreSQL 42P01); the message holds the SQL."""


def _quote_in(value: str) -> str:
    """An element of a PostgREST `in.(...)` list, always quoted (unquoted ones lose leading spaces)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class RestStore(Store):
    """The KV table behind a Supabase project URL (or any PostgREST base URL)."""

    kind = "supabase"
    accepts_json_null = False
    transactional = False  # batches of 1,000 rows, each its own request

    def __init__(self, url: str, table: str = DEFAULT_TABLE, key: str | None = None, *, retries: int = 5,
                 backoff: float = 0.2, sleep: Callable[[float], None] = time.sleep, timeout: float = 60.0,
                 run_size: int = RUN_SIZE) -> None:
        url = (url or "").strip().rstrip("/")
        if url.endswith("/rest/v1"):
            url = url[: -len("/rest/v1")]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"invalid Supabase URL {redact_url(url)!r}: use https://<project>.supabase.co")
        if not key or not key.strip():
            raise UsageError(f"a key is needed for the Supabase Data API at {redact_url(url)}: {KEY_HELP}")
        self.url = url
        self._shown = redact_url(url)  # for messages
        self.table = validate_table_name(table)
        self._key = key.strip()
        self._schema, _, self._name = table.rpartition(".")
        self._schema = self._schema or "public"
        self._host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.retries, self.backoff, self.sleep, self.timeout, self.run_size = retries, backoff, sleep, timeout, run_size
        self._client: Any = None
        self._http: httpx.Client | None = None
        self._status = threading.local()

    # -- client, retries and errors ----------------------------------------------------------
    def _table(self) -> Any:
        if self._client is None:
            from supabase import create_client
            from supabase.lib.client_options import SyncClientOptions

            self._http = httpx.Client(
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 15.0)),
                follow_redirects=True, event_hooks={"response": [self._record_status]},
            )
            options = SyncClientOptions(
                schema=self._schema, auto_refresh_token=False, persist_session=False,
                postgrest_client_retry=False,  # we retry ourselves, with our own backoff
                httpx_client=self._http,
            )
            try:
                self._client = create_client(self.url, self._key, options)
            except Exception as exc:  # supabase.SupabaseException: bad URL or key shape
                raise UsageError(self._clean(f"the Supabase client refused the URL or key: {exc}")) from None
        return self._client.table(self._name)

    def _record_status(self, response: httpx.Response) -> None:
        self._status.code = response.status_code

    def _clean(self, text: str) -> str:
        return " ".join(str(text).replace(self._key, "***").split())

    def _call(self, request: Callable[[], Any], doing: str) -> Any:
        """Run `request()` (it executes one HTTP call), retrying transient failures."""
        from postgrest.exceptions import APIError

        delay = self.backoff
        for attempt in range(1, self.retries + 1):
            self._status.code = None
            try:
                return request()
            except APIError as exc:
                status = self._status.code
                if status not in TRANSIENT_STATUS or attempt == self.retries:
                    raise self._api_error(exc, status, doing, attempt) from None
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    reason = self._clean(str(exc) or type(exc).__name__)
                    raise StoreError(
                        f"cannot reach {self._shown}: {reason} (while {doing} {self.table}, {attempt} attempts)"
                    ) from None
            self.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _api_error(self, exc: Any, status: int | None, doing: str, attempts: int) -> StoreError:
        code = exc.code or ""
        message = self._clean(exc.message or "")
        if "row-level security" in message:
            return StoreError(
                f"the key cannot write to {self.table} under Row Level Security ({status} {code}: {message}): "
                "use the project's service_role key, or a postgresql:// connection string"
            )
        if code == "42501":
            return StoreError(
                f"the key is not allowed to access {self.table} ({status} {code}: {message}): "
                "use the project's service_role key, or a postgresql:// connection string"
            )
        if status == 401:
            return StoreError("the Supabase key was rejected (401): check the project URL and the key")
        if code in ("PGRST205", "42P01"):
            return MissingTableError(
                f"table {self.table} does not exist in the Supabase project at {self._host}: "
                f"run this in the Supabase SQL editor, then retry: {create_table_sql(self.table)}"
            )
        if status == 404:
            return StoreError(f"{self._shown} answered 404 for the Data API ({message}): check the project URL")
        tail = f" after {attempts} attempts" if status in TRANSIENT_STATUS else ""
        label = f"HTTP {status}" + (f", {code}" if code and code != str(status) else "")
        return StoreError(f"the Supabase Data API failed while {doing} {self.table} ({label}){tail}: {message}")

    # -- interface ---------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        host = urlsplit(self.url).hostname or ""
        ref = host[: -len(".supabase.co")] if host.endswith(".supabase.co") and host.count(".") == 2 else None
        return {"kind": self.kind, "table": self.table, "projectId": ref, "host": self._host}

    def table_exists(self) -> bool:
        try:
            self._call(lambda: self._table().select("key").limit(1).execute(), "checking")
        except MissingTableError:
            return False
        return True

    def create_table(self) -> None:
        raise StoreError(
            f"the Supabase Data API cannot create tables: run this in the Supabase SQL editor "
            f"(project {self._host}), then retry: {create_table_sql(self.table)}"
        )

    def empty_reason(self) -> str | None:
        if key_role(self._key) != "anon":
            return None
        return (
            "the key is an anon (public) key: under Row Level Security, which MVDB's setup enables, "
            "an anon key sees zero rows; use the project's service_role key or a postgresql:// connection string"
        )

    def scan(self, keys_only: bool = False) -> Iterator[Row]:
        """Every row in the server's own order (its collation), page by page until an empty page."""
        columns = "key" if keys_only else "key,value::text"
        last: str | None = None
        while True:
            def request(after: str | None = last) -> Any:
                query = self._table().select(columns)
                if after is not None:
                    query = query.gt("key", after)
                return query.order("key").limit(FETCH_SIZE).execute()

            data = self._call(request, "reading").data
            if not isinstance(data, list):
                raise StoreError(f"{self._shown} did not answer like the Supabase Data API: check the project URL")
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

    def count(self) -> dict[str, int]:
        counts = empty_counts()
        for key, _ in self.scan(keys_only=True):
            counts[categorize(key)] += 1
        return counts

    def write(self, upserts: Iterable[Row], deletes: Iterable[str], progress: Progress | None = None) -> None:
        """Upsert in chunks of 1,000 rows, then delete in chunks of <= 100 keys (not atomic over REST).

        `progress` is called with the number of rows upserted by each chunk.
        """
        chunk: dict[str, bytes] = {}
        for key, value in upserts:
            chunk[key] = value  # a key given twice: the last value wins (as one upsert would)
            if len(chunk) >= UPSERT_CHUNK:
                self._upsert(chunk, progress)
                chunk = {}
        if chunk:
            self._upsert(chunk, progress)
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

    def _upsert(self, rows: dict[str, bytes], progress: Progress | None) -> None:
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
        self._call(lambda: self._post_raw(body), "writing to")
        if progress:
            progress(len(rows))

    def _post_raw(self, body: bytes) -> Any:
        """supabase-py's upsert request (URL, on_conflict, columns, Prefer, keys) with our exact JSON body."""
        from postgrest.exceptions import APIError
        from postgrest.types import ReturnMethod

        builder = self._table().upsert([{"key": "", "value": None}], on_conflict="key",
                                       returning=ReturnMethod.minimal)
        req = builder.request
        headers = httpx.Headers(req.headers)
        headers["Content-Type"] = "application/json"
        response = req.session.request("POST", str(req.path), content=body, params=req.params,
                                       headers=headers, auth=req.auth)
        if not response.is_success:
            try:
                error = response.json()
            except ValueError:
                error = None
            if not isinstance(error, dict):
                error = {"message": response.reason_phrase, "code": str(response.status_code)}
            raise APIError(error)
        return response

    def _delete(self, keys: list[str]) -> None:
        from postgrest.types import ReturnMethod

        in_list = "(" + ",".join(map(_quote_in, keys)) + ")"
        self._call(lambda: self._table().delete(returning=ReturnMethod.minimal).filter("key", "in", in_list).execute(),
                   "deleting from")

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        self._client = self._http = None
