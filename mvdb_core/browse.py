"""Looking inside any source without restoring it: find rows by key or value text, show one row.

A source is a store, a backup file (plain, compressed, encrypted) or a repository snapshot; each
gives rows in key order, read as a stream (memory bounded by a page, whatever the source's size).
Master data values are JSON strings holding JSON: they are decoded for display only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from .categories import categorize
from .errors import UsageError
from .stores.base import Row

SUMMARY_FIELDS = ("code", "titleEn", "name", "title", "titleJp", "description")


def display_value(value: bytes) -> Any:
    """The value as data; a master item's JSON string holding JSON is decoded (display only)."""
    data = orjson.loads(value)
    if isinstance(data, str) and data[:1] in ("{", "["):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            return data
    return data


def summary(value: bytes) -> str:
    """A short line for people: a movie's code and title, a master item's name, else the start of the text."""
    try:
        data = display_value(value)
    except orjson.JSONDecodeError:
        return value[:60].decode("utf-8", "replace")
    if isinstance(data, dict):
        parts = [str(data[f]) for f in SUMMARY_FIELDS if isinstance(data.get(f), str | int) and data.get(f)][:2]
        if parts:
            return " · ".join(parts)[:100]
    return orjson.dumps(data).decode()[:60]


def matcher(pattern: str, regex: bool = False) -> Callable[[str, bytes], bool]:
    """Case-insensitive: a substring (or a regular expression) of the key or of the value's text."""
    if not pattern:
        raise UsageError("give a non-empty PATTERN to find")
    if regex:
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise UsageError(f"--regex {pattern!r} is not a regular expression: {exc}") from None
        return lambda key, value: bool(compiled.search(key) or compiled.search(_text(value)))
    needle = pattern.casefold()
    return lambda key, value: needle in key.casefold() or needle in _text(value).casefold()


def _text(value: bytes) -> str:
    """The value's text as people read it (escapes such as \\u00e9 and \\" undone)."""
    try:
        data = display_value(value)
    except orjson.JSONDecodeError:
        return value.decode("utf-8", "replace")
    return data if isinstance(data, str) else orjson.dumps(data).decode()


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


def find(rows: Iterable[Row], pattern: str, regex: bool = False, category: str | None = None) -> Iterator[Found]:
    """The rows of one source that match, in key order."""
    match = matcher(pattern, regex)
    for key, value in rows:
        if (category is None or categorize(key) == category) and match(key, value):
            yield Found(key, categorize(key), summary(value))


def find_across(snapshots: Iterable[tuple[str, str, Iterable[Row]]], pattern: str, regex: bool = False,
                category: str | None = None) -> list[Found]:
    """Matches over many snapshots (id, time, rows; oldest first): where each key exists and when it changed."""
    match = matcher(pattern, regex)
    found: dict[str, Found] = {}
    last: dict[str, str] = {}
    for snap_id, time, rows in snapshots:
        for key, value in rows:
            if (category is not None and categorize(key) != category) or not match(key, value):
                continue
            digest = hashlib.sha256(value).hexdigest()
            entry = found.setdefault(key, Found(key, categorize(key), summary(value)))
            entry.summary = summary(value)
            entry.snapshots.append({"id": snap_id, "time": time, "changed": last.get(key) not in (None, digest),
                                    "sha256": digest})
            last[key] = digest
    return sorted(found.values(), key=lambda f: f.key)
