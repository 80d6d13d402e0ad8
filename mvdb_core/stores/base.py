"""The one small interface every store backend implements.

A row is `(key, value)` where value is the row's JSON text as UTF-8 bytes on one line.
Backends never re-encode a value they do not have to, so values keep their exact meaning.
Rows are always produced in code-point order of the key (Python's `str` order, SQLite's and
PostgreSQL's "C" collation): every streaming merge in the core relies on it.

See docs/architecture.md for how backup and restore use this interface.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from ..categories import add_sorted_counts, empty_counts
from ..errors import UsageError

Row = tuple[str, bytes]

DEFAULT_TABLE = "kv_store_cd38bf14"
PAGE_SIZE = 1000

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def validate_table_name(table: str) -> str:
    """Accept `name` or `schema.name`, each a plain identifier matched by its exact spelling.

    Case is kept (PostgreSQL finds `MyKV` as written, quoted); quotes and other characters are
    refused here, before anything connects or writes.
    """
    parts = table.split(".")
    if not table or len(parts) > 2 or not all(_IDENT.fullmatch(p) for p in parts):
        raise UsageError(
            f"invalid table name {table!r}: give it exactly as it is spelled, without quotes: letters, digits "
            "and underscores, starting with a letter or underscore (optionally schema.table)"
        )
    return table


def quote_table(table: str) -> str:
    """The table name as SQL text: each part double-quoted unless it is plain lowercase."""
    return ".".join(p if p == p.lower() else f'"{p}"' for p in table.split("."))


def create_table_sql(table: str) -> str:
    """The DDL the MVDB app expects (docs/architecture.md, "The data"), idempotent."""
    return f"CREATE TABLE IF NOT EXISTS {quote_table(table)} (key TEXT NOT NULL PRIMARY KEY, value JSONB NOT NULL);"


def like_pattern(text: str) -> str:
    """`%text%` for SQL LIKE, with LIKE's own characters escaped by a backslash."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def pages_of(rows: Iterable[Row], size: int = PAGE_SIZE) -> Iterator[list[Row]]:
    """Rows in lists of `size`: backends write a page with a few C-level operations, not code per row."""
    it = iter(rows)
    while page := list(islice(it, size)):
        yield page


class Store(ABC):
    """A KV table somewhere. Subclasses: SQLiteStore, PostgresStore, RestStore."""

    kind: str = ""
    table: str = DEFAULT_TABLE
    accepts_json_null: bool = True
    """False where a top-level JSON null cannot be written (PostgREST turns it into SQL NULL)."""
    transactional: bool = True
    """`write`, and everything inside `exclusive()`, is all or nothing."""
    locking: bool = True
    """`exclusive()` keeps other writers out (False: the backend cannot lock; see docs/reliability.md)."""

    @property
    @abstractmethod
    def display(self) -> str:
        """Where this store is, for messages and labels: a path, host or URL without any secret."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Where this store is, for metadata and the UI: kind, table, host or project id. No secrets."""

    @abstractmethod
    def table_exists(self) -> bool:
        """Whether the KV table is there (a missing table is not the same as an empty one)."""

    @abstractmethod
    def create_table(self) -> None:
        """Create the KV table, or raise MissingTable whose message holds the SQL to run."""

    def apply_setup(self) -> None:
        """Give the table the app's full setup where the backend has one (PostgreSQL: index, RLS, policy)."""
        self.create_table()

    @abstractmethod
    def iter_pages(self, page_size: int = PAGE_SIZE, keys_only: bool = False) -> Iterator[list[Row]]:
        """Every row, in key code-point order, in pages; never truncated; one point in time where the backend can.

        With keys_only the values are b"" (cheaper for counting and planning).
        """

    @abstractmethod
    def write(self, rows: Iterable[Row], deletes: Iterable[str] = (), *, upsert: bool = True) -> None:
        """Write rows (read once, in key order), then delete keys; all or nothing where `transactional`.

        `upsert=False` says every key is new (the caller's plan knows it): PostgreSQL and SQLite then
        insert (PostgreSQL COPYs straight into the table) and a key that exists after all raises
        PlanChanged and writes nothing; the Data API upserts all the same.
        """

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the table for one consistent read-write session (a restore's plan, snapshot, write, verify).

        Other writers wait until it ends; reads inside see the table as this session leaves it; it
        commits when the block ends and rolls back if it raises. A second session on the same table
        waits, or fails with StoreBusy. Backends that cannot lock run the block as it is.
        """
        yield

    def count(self) -> dict[str, int]:
        """Rows per category, every category present (zeros included)."""
        counts = empty_counts()
        for page in self.iter_pages(keys_only=True):
            add_sorted_counts(counts, [key for key, _ in page])
        return counts

    def is_empty(self) -> bool:
        """True when the table holds no row (it must exist)."""
        pages = self.iter_pages(page_size=1, keys_only=True)
        try:
            return next(pages, None) is None
        finally:
            pages.close()

    def rows_between(self, start: str, stop: str | None = None, contains: str | None = None) -> Iterator[Row]:
        """Rows with start <= key < stop, in key order (to look at one category). SQL backends read only those.

        `contains` (lower case): a backend that can may leave out the rows whose key and value text hold it in
        no letter case (SQL LIKE); it is a filter to save reading, the caller still checks every row it gets.
        """
        pages = self.iter_pages()
        try:
            for page in pages:
                if page[-1][0] < start:
                    continue
                for row in page:
                    if stop is not None and row[0] >= stop:
                        return
                    if row[0] >= start:
                        yield row
        finally:
            pages.close()

    def iter_rows(self, keys_only: bool = False) -> Iterator[Row]:
        for page in self.iter_pages(keys_only=keys_only):
            yield from page

    def empty_reason(self) -> str | None:
        """Why a read may have returned zero rows although data exists (e.g. RLS), if known."""
        return None

    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
