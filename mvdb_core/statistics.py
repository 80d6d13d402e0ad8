"""Statistics of a store or a backup file, computed in one streaming pass.

The dashboard's Statistics page (and anyone else) gets plain, picklable numbers from here:
rows and bytes per category, master data by type, favorites by type, movies per release year
and the largest values. Only the rows that need it (movies, SC movies, favorites) are parsed;
memory does not grow with the number of rows (the largest values are a bounded heap).
`Statistics.frames()` turns the numbers into pandas DataFrames (pandas imported on demand, so
the CLI does not pay for it).
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from .categories import BY_NAME, CATEGORY_NAMES, MASTER_TYPES, categorize, empty_counts, group_totals
from .stores.base import Row, Store

TOP_VALUES = 10
UNKNOWN = "unknown"
_MOVIE_CATEGORIES = ("movies", "sc_movies")


@dataclass
class LargeValue:
    key: str
    category: str
    size: int


@dataclass
class Statistics:
    """What one pass over the rows found. Every dict is in a stable, display-friendly order."""

    total: int = 0
    total_bytes: int = 0
    counts: dict[str, int] = field(default_factory=empty_counts)
    bytes_by_category: dict[str, int] = field(default_factory=empty_counts)
    master_by_type: dict[str, int] = field(default_factory=dict)
    favorites_by_type: dict[str, int] = field(default_factory=dict)
    movies_per_year: dict[str, dict[str, int]] = field(default_factory=dict)
    """year (or "unknown") -> {"movies": n, "sc_movies": m}"""
    largest: list[LargeValue] = field(default_factory=list)

    @property
    def groups(self) -> dict[str, int]:
        """The seed's summary: Total, Movies, Master data, Favorites."""
        return group_totals(self.counts)

    def frames(self) -> dict[str, Any]:
        """The numbers as pandas DataFrames, keyed by: groups, categories, master, favorites, years, largest."""
        import pandas as pd

        categories = pd.DataFrame(
            {
                "category": list(CATEGORY_NAMES),
                "group": [BY_NAME[n].group for n in CATEGORY_NAMES],
                "rows": [self.counts.get(n, 0) for n in CATEGORY_NAMES],
                "bytes": [self.bytes_by_category.get(n, 0) for n in CATEGORY_NAMES],
            }
        )
        years = sorted(self.movies_per_year, key=lambda y: (y == UNKNOWN, y))
        return {
            "groups": pd.DataFrame({"group": list(self.groups), "rows": list(self.groups.values())}),
            "categories": categories,
            "master": pd.DataFrame({"type": list(self.master_by_type), "rows": list(self.master_by_type.values())}),
            "favorites": pd.DataFrame(
                {"type": list(self.favorites_by_type), "rows": list(self.favorites_by_type.values())}
            ),
            "years": pd.DataFrame(
                {
                    "year": years,
                    "movies": [self.movies_per_year[y].get("movies", 0) for y in years],
                    "sc_movies": [self.movies_per_year[y].get("sc_movies", 0) for y in years],
                }
            ),
            "largest": pd.DataFrame(
                {
                    "key": [v.key for v in self.largest],
                    "category": [v.category for v in self.largest],
                    "bytes": [v.size for v in self.largest],
                }
            ),
        }


def collect(rows: Iterable[Row], top: int = TOP_VALUES) -> Statistics:
    """Statistics of `(key, compact JSON bytes)` rows, in one pass."""
    stats = Statistics()
    counts, sizes = stats.counts, stats.bytes_by_category
    favorites: dict[str, int] = {}
    years: dict[str, dict[str, int]] = {}
    heap: list[tuple[int, str]] = []  # min-heap of (size, negated-order key) for the largest values
    total = total_bytes = 0
    for key, value in rows:
        cat = categorize(key)
        size = len(value)
        counts[cat] += 1
        sizes[cat] += size
        total += 1
        total_bytes += size
        if len(heap) < top:
            heapq.heappush(heap, (size, _Rev(key)))
        elif top and size > heap[0][0]:
            heapq.heapreplace(heap, (size, _Rev(key)))
        if cat in _MOVIE_CATEGORIES:
            year = release_year(_field(value, "releaseDate"))
            per = years.setdefault(year, {"movies": 0, "sc_movies": 0})
            per[cat] += 1
        elif cat == "favorites":
            kind = _field(value, "type")
            kind = kind if isinstance(kind, str) and kind else UNKNOWN
            favorites[kind] = favorites.get(kind, 0) + 1
    stats.total, stats.total_bytes = total, total_bytes
    stats.master_by_type = {MASTER_TYPES[n]: counts[n] for n in MASTER_TYPES}
    stats.favorites_by_type = dict(sorted(favorites.items(), key=lambda kv: (-kv[1], kv[0])))
    stats.movies_per_year = {y: years[y] for y in sorted(years, key=lambda y: (y == UNKNOWN, y))}
    stats.largest = [
        LargeValue(r.key, categorize(r.key), size) for size, r in sorted(heap, key=lambda e: (-e[0], e[1].key))
    ]
    return stats


class _Rev:
    """Heap tie-breaker: among equal sizes keep the keys that sort first (deterministic results)."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __lt__(self, other: _Rev) -> bool:
        return self.key > other.key


def _field(value: bytes, name: str) -> Any:
    """A top-level field of a JSON object value, or None (values are not always objects)."""
    if value[:1] != b"{":
        return None
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    return doc.get(name) if isinstance(doc, dict) else None


def release_year(date: Any) -> str:
    """The year of a `YYYY-MM-DD` release date as a string, or "unknown"."""
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit() and 1900 <= int(date[:4]) <= 2100:
        return date[:4]
    return UNKNOWN


def store_statistics(store: Store, top: int = TOP_VALUES) -> Statistics:
    """Statistics of every row of a store (a missing table counts as empty)."""
    if not store.table_exists():
        return Statistics()
    return collect(store.iter_rows(), top)


def backup_statistics(path: str | os.PathLike[str], top: int = TOP_VALUES) -> Statistics:
    """Statistics of a backup file; the file is fully validated on the way (InvalidBackupError)."""
    from .backup_file import BackupFile

    return collect(BackupFile(path).entries(), top)


def compare_counts(left: Statistics, right: Statistics) -> list[dict[str, Any]]:
    """Per category: rows on each side and the difference (right minus left), non-empty categories only."""
    out = []
    for name in CATEGORY_NAMES:
        a, b = left.counts.get(name, 0), right.counts.get(name, 0)
        if a or b:
            out.append({"category": name, "left": a, "right": b, "difference": b - a})
    return out
