"""Looking inside any source without restoring it: rows of a category or a search as a table, find, show.

A source is a store, a backup file (plain, compressed, encrypted) or a repository snapshot; each
gives rows in key order, read as a stream: memory depends on the rows asked for (a page, the
matches), never on the size of the source. Master data values are JSON strings holding JSON:
they are decoded for display only.

How a search matches (`Query`): case-insensitively (Python's `str.lower`, except that `İ` and the
Kelvin sign, whose lower case is ASCII, match only themselves), a substring of the key, or of the
value's JSON text as stored, or of that text with its escaped quotes and backslashes undone (once
more for JSON held in a string, as master data is: `{\"name\":\"Yui\"}` matches `"name":"Yui"`).
Other escapes are matched as written: no writer of MVDB data escapes letters, and looking for
them would double the time a search takes. `--regex` takes a regular expression instead.

Searching a backup file or a snapshot scans bytes, not rows (`_scan`): the case-folded pattern is
looked for in each chunk of lines at once and only the lines where it occurs are looked at, which
is what keeps a search of a million rows near `grep -c -i` (bench/browse.py).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import stringzilla as sz

from .backup_file import BackupFile, chunks_of, parse_entry_line, split_span
from .categories import BY_NAME, CATEGORY_NAMES, after_prefix, categorize, key_ranges
from .errors import UsageError
from .jsonvalue import dumps, loads
from .stores.base import Row, Store

if TYPE_CHECKING:
    import pandas as pd

    from .repository import SnapshotReader

SUMMARY_FIELDS = ("code", "titleEn", "name", "title", "titleJp", "description")
PAGE_ROWS = 1000

Source = Store | BackupFile
"""Anything with rows in key order: a store, a backup file, a snapshot (a SnapshotReader is a BackupFile)."""


def display_value(value: bytes) -> Any:
    """The value as data, numbers exact; a master item's JSON string holding JSON is decoded (display only)."""
    data = loads(value)
    if isinstance(data, str) and data[:1] in ("{", "["):
        try:
            return loads(data)
        except ValueError:
            return data
    return data


def json_text(data: Any, indent: bool = False) -> str:
    """Data as JSON text for people; a number beyond what orjson writes stays exact (the text then on one line)."""
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0).decode()
    except TypeError:
        return dumps(data).decode()


def summary(value: bytes) -> str:
    """A short line for people: a movie's code and title, a master item's name, else the start of the text."""
    try:
        data = display_value(value)
    except ValueError:
        return value[:60].decode("utf-8", "replace")
    if isinstance(data, dict):
        parts = [str(data[f]) for f in SUMMARY_FIELDS if isinstance(data.get(f), str | int) and data.get(f)][:2]
        if parts:
            return " · ".join(parts)[:100]
    return _text(data)[:60]


# --------------------------------------------------------------------------------------------
# Matching

_KEEP_CASE = re.compile("[^\u0130\u212a]+")
_QUOTED = re.compile(r'\\(["\\])')
_NOT_SCANNABLE = re.compile(r'["\\\x00-\x1f\x7f]')


def fold(text: str) -> str:
    """Lower case for matching; `İ` and `K` (Kelvin), whose lower case is ASCII, stay as they are."""
    if "\u0130" in text or "\u212a" in text:
        return _KEEP_CASE.sub(lambda m: m.group().lower(), text)
    return text.lower()


def texts(value: bytes) -> list[str]:
    """The value's text as stored, then with `\\"` and `\\\\` undone (twice at most: JSON inside a string)."""
    found = [value.decode("utf-8", "replace")]
    while "\\" in found[-1] and len(found) < 3:
        found.append(_QUOTED.sub(r"\1", found[-1]))
    return found


@dataclass(frozen=True)
class Query:
    pattern: str
    regex: bool = False
    _test: Callable[[str], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.pattern:
            raise UsageError("give a non-empty PATTERN to find")
        if self.regex:
            try:
                compiled = re.compile(self.pattern, re.IGNORECASE)
            except re.error as exc:
                raise UsageError(f"--regex {self.pattern!r} is not a regular expression: {exc}") from None
            object.__setattr__(self, "_test", lambda text: compiled.search(text) is not None)
        else:
            needle = fold(self.pattern)
            object.__setattr__(self, "_test", lambda text: needle in fold(text))

    def __reduce__(self) -> tuple[Any, ...]:  # to a process of a split scan (the test function is rebuilt)
        return Query, (self.pattern, self.regex)

    def matches(self, key: str, value: bytes) -> bool:
        return self._test(key) or any(self._test(text) for text in texts(value))

    @property
    def needle(self) -> bytes | None:
        """The pattern as the bytes a scan of the stored lines finds wherever the text matches; None if none.

        That holds for a plain pattern of ASCII (bytes.lower folds it as `fold` does) and caseless
        characters (kana, kanji: stored as they are), without quotes, backslashes or control
        characters (which are stored escaped).
        """
        if self.regex or _NOT_SCANNABLE.search(self.pattern):
            return None
        folded = fold(self.pattern)
        if any(not c.isascii() and not (c.lower() == c == c.upper()) for c in folded):
            return None
        return folded.encode()


# --------------------------------------------------------------------------------------------
# What to look at: a category, a key prefix, a search


@dataclass(frozen=True)
class Scope:
    category: str | None = None
    prefix: str | None = None
    query: Query | None = None

    def __post_init__(self) -> None:
        if self.category is not None and self.category not in BY_NAME:
            raise UsageError(f"unknown category {self.category!r}: use one of {', '.join(CATEGORY_NAMES)}")

    def ranges(self) -> list[tuple[str, str | None]]:
        """Key ranges [start, stop) that hold every row of the scope, in key order."""
        if self.prefix:
            return [(self.prefix, after_prefix(self.prefix))]
        return key_ranges(self.category) if self.category else [("", None)]

    def holds(self, key: str) -> bool:
        return ((self.category is None or categorize(key) == self.category)
                and (not self.prefix or key.startswith(self.prefix)))


def rows(source: Source, scope: Scope, workers: int = 1) -> Iterator[Row]:
    """The source's rows in the scope, in key order; a search of a file or snapshot scans its bytes.

    `workers` > 1 splits the scan of a local file between that many processes (forked: only where
    no other thread runs, as in the command line); they hand back the matching lines.
    """
    needle = scope.query.needle if scope.query else None
    if needle is not None and isinstance(source, BackupFile) and source.has_lines:
        for line in _scan_source(source, scope, needle, workers):
            row = parse_entry_line(line)
            if row is not None:
                yield row
        return
    for start, stop in scope.ranges():
        if needle is not None and isinstance(source, Store):  # the server leaves out what cannot match
            found = source.rows_between(start, stop, contains=needle.decode())
        else:
            found = source.rows_between(start, stop)
        for key, value in found:
            if scope.holds(key) and (scope.query is None or scope.query.matches(key, value)):
                yield key, value


def count(source: Source, scope: Scope, workers: int = 1) -> int:
    """How many rows of the source are in the scope (a search of a file counts lines without parsing them)."""
    needle = scope.query.needle if scope.query else None
    if needle is not None and isinstance(source, BackupFile) and source.has_lines:
        return sum(1 for _ in _scan_source(source, scope, needle, workers, counting=True))
    return sum(1 for _ in rows(source, scope))


_PARALLEL_BYTES = 64 << 20  # below this a second process costs more than it saves


def _scan_source(source: BackupFile, scope: Scope, needle: bytes, workers: int, counting: bool = False
                 ) -> Iterator[bytes]:
    """The matching entry lines of a file or snapshot (with `counting`, only as many empty lines)."""
    ranges = scope.ranges()
    if not source.seekable:  # whole leaves: one may hold rows of several ranges, so their span is read once
        yield from _scan(source.entry_chunks(ranges[0][0] or None, ranges[-1][1]), scope, needle)
        return
    for start, stop in ranges:
        if workers < 2:
            yield from _scan(source.entry_chunks(start or None, stop), scope, needle)
            continue
        path, lo, hi = source.entry_span(start or None, stop)
        spans = split_span(path, lo, hi, workers) if hi - lo > _PARALLEL_BYTES else [(lo, hi)]
        if len(spans) == 1:
            yield from _scan(chunks_of(path, lo, hi), scope, needle)
            continue
        with ProcessPoolExecutor(len(spans) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = [pool.submit(_scan_span, path, a, b, scope, needle, counting) for a, b in spans[1:]]
            yield from _scan(chunks_of(path, *spans[0]), scope, needle)  # the first part here, meanwhile
            for part in parts:
                found = part.result()
                yield from repeat(b"", found) if isinstance(found, int) else found


def _scan_span(path: Path, lo: int, hi: int, scope: Scope, needle: bytes, counting: bool) -> int | list[bytes]:
    """One process's part of a split scan."""
    found = _scan(chunks_of(path, lo, hi), scope, needle)
    return sum(1 for _ in found) if counting else list(found)


def _scan(chunks: Iterable[bytes], scope: Scope, needle: bytes) -> Iterator[bytes]:
    """The entry lines of these chunks that match, in order.

    StringZilla's SIMD search and table lookup, not bytes.find and bytes.lower: measured 4x faster on 730 MB.
    """
    has_case = needle.lower() != needle.upper()
    for chunk in chunks:
        text = sz.translate(chunk, _ASCII_LOWER) if has_case else chunk  # no letters: no case to fold
        at = sz.find(text, needle)
        while at >= 0:
            begin = text.rfind(b"\n", 0, at) + 1
            end = text.find(b"\n", at) + 1 or len(text)
            if _line_matches(chunk, text, begin, end, at, needle, scope):
                yield chunk[begin:end]
            at = sz.find(text, needle, end)


_ASCII_LOWER = bytes(range(256)).lower()  # what bytes.lower does, as a table

_VALUE = b'","value":'
_SPACE = b" \t\n\r\x0b\x0c"  # what bytes.strip takes off a value read back


def _line_matches(chunk: bytes, text: bytes, begin: int, end: int, at: int, needle: bytes, scope: Scope) -> bool:
    """Whether the line chunk[begin:end], where `text` (the chunk in ASCII lower case) holds the needle at `at`,
    matches.

    A line in the writer's form `{"key":"K","value":V}` is decided from its bytes (JSON escapes every
    quote inside a string, so the first `","value":` ends a key without quotes and backslashes; the
    value is read without the spaces around it); any other line is parsed.
    """
    assert scope.query is not None
    stop = end
    while stop > begin and chunk[stop - 1] in b"\r\n,":
        stop -= 1
    q = chunk.find(_VALUE, begin + 8, stop)
    if (q > 0 and chunk.startswith(b'{"key":"', begin) and chunk[stop - 1] == 125
            and chunk.find(b"\\", begin, q) < 0 and chunk.find(b'"', begin + 8, q) < 0):
        if (scope.category or scope.prefix) and not scope.holds(chunk[begin + 8 : q].decode("utf-8", "replace")):
            return False
        first, last = q + 10, stop - 1  # the value's bytes
        while first < last and chunk[first] in _SPACE:
            first += 1
        while last > first and chunk[last - 1] in _SPACE:
            last -= 1
        return (first <= at <= last - len(needle) or begin + 8 <= at <= q - len(needle)
                or text.find(needle, first, last) >= 0 or text.find(needle, begin + 8, q) >= 0)
    row = parse_entry_line(chunk[begin:end])
    return row is not None and scope.holds(row[0]) and scope.query.matches(*row)


# --------------------------------------------------------------------------------------------
# Rows as a table


@dataclass
class Page:
    frame: pd.DataFrame
    """The key, then each top-level field of the values as a column (decoded for display)."""
    rows: list[Row]
    more: bool
    """The source has more rows in the scope than the page holds."""


def page(source: Source, scope: Scope, limit: int = PAGE_ROWS) -> Page:
    """The first `limit` rows of the scope as a table; reads no further than the row after them."""
    stream = rows(source, scope)
    try:
        got = list(islice(stream, limit + 1))
    finally:
        stream.close()
    return Page(frame(got[:limit]), got[:limit], len(got) > limit)


def frame(found: Iterable[Row]) -> pd.DataFrame:
    """Rows as a DataFrame: `key`, then the values' fields in the order they first appear.

    A field holding a list or an object is shown as its JSON text; a column whose cells are of
    different kinds (text here, a number there) is all text, as a table column has one type.
    """
    import pandas as pd

    records = []
    for key, value in found:
        try:
            data = display_value(value)
        except ValueError:
            data = value.decode("utf-8", "replace")
        record: dict[str, Any] = {"key": key}
        if isinstance(data, dict):
            for name, item in data.items():
                record["value.key" if name == "key" else name] = _cell(item)
        else:
            record["value"] = _cell(data)
        records.append(record)
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame({"key": pd.Series(dtype=str)})
    for column in df.columns:
        kinds = {type(v) for v in df[column] if v is not None and v == v}  # v == v: not NaN
        if len(kinds) > 1 and kinds != {int, float}:
            df[column] = [None if v is None or v != v else str(v) for v in df[column]]
    return df


def compare_fields(current: bytes, restored: bytes) -> pd.DataFrame:
    """Two values of one row side by side, a line per top-level field (decoded for display), and which differ."""
    import pandas as pd

    a, b = display_value(current), display_value(restored)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        a, b = {"value": a}, {"value": b}
    names = [*a, *(n for n in b if n not in a)]
    missing = object()
    pairs = [(a.get(n, missing), b.get(n, missing)) for n in names]
    return pd.DataFrame({
        "field": names,
        "store": ["" if x is missing else _text(x) for x, _ in pairs],
        "backup": ["" if y is missing else _text(y) for _, y in pairs],
        "differs": [x != y or type(x) is not type(y) for x, y in pairs],
    })


def _text(item: Any) -> str:
    return item if isinstance(item, str) else dumps(item).decode()


def _cell(item: Any) -> Any:
    """A table cell: lists and objects as their JSON text; numbers a table column cannot hold exactly as text."""
    if isinstance(item, dict | list | Decimal) or (type(item) is int and not -(2**63) <= item < 2**63):
        return _text(item)
    return item


# --------------------------------------------------------------------------------------------
# find


@dataclass
class Found:
    key: str
    category: str
    summary: str
    snapshots: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "category": self.category, "summary": self.summary}
        if self.snapshots:
            out["snapshots"] = self.snapshots
        return out


def find(source: Source, scope: Scope, workers: int = 1) -> Iterator[Found]:
    """The rows of one source that match, in key order."""
    for key, value in rows(source, scope, workers):
        yield Found(key, categorize(key), summary(value))


def find_across(snapshots: Iterable[tuple[str, str, SnapshotReader]], scope: Scope) -> list[Found]:
    """Matches over many snapshots (id, time, reader; oldest first): where each key exists and when it changed.

    Snapshots share most of their leaves: each leaf is searched once and its matches kept for the
    snapshots that name it again (memory: the matches, not the leaves).
    """
    found: dict[str, Found] = {}
    last: dict[str, str] = {}
    by_leaf: dict[str, list[Row]] = {}
    for snap_id, time, reader in snapshots:
        for key, value in _leaf_rows(reader, scope, by_leaf):
            digest = hashlib.sha256(value).hexdigest()
            entry = found.setdefault(key, Found(key, categorize(key), summary(value)))
            entry.summary = summary(value)
            entry.snapshots.append({"id": snap_id, "time": time, "changed": last.get(key) not in (None, digest),
                                    "sha256": digest})
            last[key] = digest
    return sorted(found.values(), key=lambda f: f.key)


def _leaf_rows(reader: SnapshotReader, scope: Scope, by_leaf: dict[str, list[Row]]) -> Iterator[Row]:
    """A snapshot's matching rows, leaf by leaf; leaves searched before are not fetched again."""
    todo = [ref for ref in reader.refs if ref["name"] not in by_leaf]
    fetched = zip(todo, reader.leaf_texts(todo))
    for ref in reader.refs:
        if ref["name"] not in by_leaf:
            _, text = next(fetched)
            one = _OneLeaf(text)
            by_leaf[ref["name"]] = list(rows(one, scope)) if one.has_lines else []
        yield from by_leaf[ref["name"]]


class _OneLeaf(BackupFile):
    """One leaf's lines as a source to search (the leaf was checked against its digest when fetched)."""

    has_lines = True
    seekable = False

    def __init__(self, text: bytes) -> None:  # no file
        self.text = text

    def entry_chunks(self, start: str | None = None, stop: str | None = None) -> Iterator[bytes]:
        yield self.text

    def rows_between(self, start: str, stop: str | None = None) -> Iterator[Row]:
        for line in self.text.splitlines():
            row = parse_entry_line(line)
            if row is not None and row[0] >= start and (stop is None or row[0] < stop):
                yield row
