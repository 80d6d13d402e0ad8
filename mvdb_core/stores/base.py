"""The one small interface every store backend implements.

A row is `(key, value)` where value is the row's JSON text as UTF-8 bytes on one line.
Backends never re-encode a value they do not have to, so values keep their exact meaning.
Rows are always produced in code-point order of the key (Python's `str` order, SQLite's and
PostgreSQL's "C" collation): every streaming merge in the core relies on it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from ..categories import categorize, empty_counts
from ..errors import UsageError

Row = tuple[str, bytes]
Progress = Callable[[int], None]
"""Called with the number of rows just handled (an increment)."""

DEFAULT_TABLE = "kv_store_cd38bf14"
PAGE_SIZE = 1000

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def validate_table_name(table: str) -> str:
    """Accept `name` or `schema.name`, each a plain SQL identifier; anything else is refused."""
    parts = table.split(".")
    if not table or len(parts) > 2 or not all(_IDENT.match(p) for p in parts):
        raise UsageError(
            f"invalid table name {table!r}: use letters, digits and underscores "
            "(optionally schema.table), starting with a letter or underscore"
        )
    return table


def create_table_sql(table: str) -> str:
    """The DDL the MVDB app expects (DESIGN.md section 1), idempotent."""
    return f"CREATE TABLE IF NOT EXISTS {table} (key TEXT NOT NULL PRIMARY KEY, value JSONB NOT NULL);"


def pages_of(rows: Iterable[Row], size: int = PAGE_SIZE) -> Iterator[list[Row]]:
    """Rows in lists: the pages the source already has (its `pages()`), else chunks of `size`.

    Backends write a page with a few C-level operations instead of Python code per row.
    """
    pages = getattr(rows, "pages", None)
    if callable(pages):
        yield from pages()
        return
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
    """`write` is all or nothing (an exception inside it leaves the table as it was)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Where this store is, for metadata and the UI: kind, table, host or project id. No secrets."""

    @abstractmethod
    def table_exists(self) -> bool:
        """Whether the KV table is there (a missing table is not the same as an empty one)."""

    @abstractmethod
    def create_table(self) -> None:
        """Create the KV table, or raise StoreError whose message holds the SQL to run."""

    @abstractmethod
    def iter_pages(self, page_size: int = PAGE_SIZE, keys_only: bool = False) -> Iterator[list[Row]]:
        """Every row, in key code-point order, in pages; never truncated.

        With keys_only the values are b"" (cheaper for counting and planning).
        """

    @abstractmethod
    def write(self, upserts: Iterable[Row], deletes: Iterable[str], progress: Progress | None = None) -> None:
        """Upsert rows and delete keys, atomically where the backend can.

        `upserts` may be iterated more than once (a backend may retry a whole transaction).
        """

    def count(self) -> dict[str, int]:
        """Rows per category, every category present (zeros included)."""
        counts = empty_counts()
        for page in self.iter_pages(keys_only=True):
            for key, _ in page:
                counts[categorize(key)] += 1
        return counts

    def is_empty(self) -> bool:
        """True when the table holds no row (it must exist)."""
        return next(self.iter_pages(page_size=1, keys_only=True), None) is None

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
