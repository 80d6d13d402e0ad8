"""MVDB key categories (docs/architecture.md, "The data") as data.

Keys are classified by exact string prefix (never SQL LIKE, where `_` is a wildcard), so every
key belongs to exactly one category and unknown keys land in `other` and are backed up anyway.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

MASTER_TYPES: dict[str, str] = {
    # category name -> the <type> part of `master_<type>_<id>`
    "actors": "actor",
    "actresses": "actress",
    "directors": "director",
    "studios": "studio",
    "series": "series",
    "labels": "label",
    "groups": "group",
    "tags": "tag",
    "types": "type",
    "link_labels": "linklabel",
    "generations": "generation",
    "lineups": "lineup",
}


@dataclass(frozen=True)
class Category:
    name: str
    group: str
    prefixes: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category("movies", "Movies", ("movie:",)),
    Category("sc_movies", "Movies", ("scmovie:",)),
    *(Category(name, "Master data", (f"master_{t}_",)) for name, t in MASTER_TYPES.items()),
    Category("photobooks", "Photobooks", ("photobook_",)),
    Category("favorites", "Favorites", ("favorite_",)),
    Category("movie_links", "Movie links", ("movie_link:",)),
    Category("movie_type_colors", "Movie type colors", ("movie_type_colors:",), ("movie_type_colors",)),
    Category("templates", "Templates", ("template_group:",)),
    Category("settings", "Settings", ("custom_nav_items:", "settings:"), ("settings",)),
    Category("saved_galleries", "Other app data", ("saved_gallery:",)),
    Category("other", "Other"),
)

CATEGORY_NAMES: tuple[str, ...] = tuple(c.name for c in CATEGORIES)
MASTER_CATEGORIES: tuple[str, ...] = tuple(MASTER_TYPES)
BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}

_EXACT: dict[str, str] = {k: c.name for c in CATEGORIES for k in c.exact}
_PREFIX: dict[str, str] = {p: c.name for c in CATEGORIES for p in c.prefixes}


def _check_rules() -> None:
    """What `categorizer` and `add_sorted_counts` rely on: no prefix starts another, no exact key starts with one."""
    for prefix in _PREFIX:
        others = [p for p in _PREFIX if p != prefix and p.startswith(prefix)]
        exact = [k for k in _EXACT if k.startswith(prefix)]
        if others or exact:
            raise RuntimeError(f"category prefix {prefix!r} also starts {others + exact}: the counting would be wrong")


_check_rules()
# No prefix is a prefix of another (checked above), so alternation order does not matter.
_PREFIX_RE = re.compile("|".join(re.escape(p) for p in sorted(_PREFIX, key=len, reverse=True)))


def categorize(key: str) -> str:
    """Return the one category a key belongs to."""
    name = _EXACT.get(key)
    if name is not None:
        return name
    m = _PREFIX_RE.match(key)
    return _PREFIX[m.group()] if m else "other"


def categorizer() -> Callable[[str], str]:
    """`categorize` with a memory of the last prefix: sorted keys come in runs of one category.

    Correct because no category prefix is a prefix of another, and no exact key starts with a prefix.
    """
    last_prefix: str | tuple[()] = ()  # no key starts with an empty tuple of prefixes
    last_name = ""

    def fast(key: str) -> str:
        nonlocal last_prefix, last_name
        if key.startswith(last_prefix):
            return last_name
        name = _EXACT.get(key)
        if name is not None:
            return name
        m = _PREFIX_RE.match(key)
        if m is None:
            return "other"
        last_prefix = m.group()
        last_name = _PREFIX[last_prefix]
        return last_name

    return fast


# Every key with prefix P sorts in [P, P with its last character incremented): a category's
# keys are contiguous runs of a sorted list, so they can be counted by bisection.
_RANGES: tuple[tuple[str, str, str], ...] = tuple(
    (_PREFIX[p], p, p[:-1] + chr(ord(p[-1]) + 1)) for p in sorted(_PREFIX)
)


def add_sorted_counts(counts: dict[str, int], keys: list[str]) -> None:
    """Add the categories of `keys` (sorted in code-point order) to `counts`.

    Equal to calling `categorize` on every key, in about fifty bisections per list whatever its
    length: the backup's per-row cost stays out of Python.
    """
    matched = 0
    for name, low, high in _RANGES:
        start = bisect_left(keys, low)
        n = bisect_left(keys, high, start) - start
        if n:
            counts[name] += n
            matched += n
    for key, name in _EXACT.items():
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            counts[name] += 1
            matched += 1
    counts["other"] += len(keys) - matched


def after_prefix(prefix: str) -> str | None:
    """The first string after every string that starts with `prefix` (None: nothing is after them all).

    The last character that can be raised is raised (U+D7FF to U+E000: surrogates are no text);
    characters after it are dropped (a prefix ending in U+10FFFF).
    """
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        return None
    last = ord(stripped[-1]) + 1
    return stripped[:-1] + chr(0xE000 if 0xD800 <= last <= 0xDFFF else last)


def key_ranges(name: str) -> list[tuple[str, str | None]]:
    """Key ranges [start, stop) in key order that hold every key of a category (and keys of no other).

    A prefix's keys sort from it to the prefix with its last character incremented; an exact key
    is alone from itself to itself + U+0001 (keys hold no NUL, and PostgreSQL text cannot hold
    one); `other` is every gap between them.
    """
    if name != "other":
        cat = BY_NAME[name]
        return sorted([(p, after_prefix(p)) for p in cat.prefixes] + [(k, k + "\x01") for k in cat.exact])
    known = sorted(r for c in CATEGORIES if c.name != "other" for r in key_ranges(c.name))
    starts = ["", *(stop for _, stop in known)]
    stops: list[str | None] = [*(start for start, _ in known), None]
    return [(a, b) for a, b in zip(starts, stops) if b is None or a < b]


def empty_counts() -> dict[str, int]:
    """Counts for every category, zeros included, in table order."""
    return dict.fromkeys(CATEGORY_NAMES, 0)


def group_totals(counts: dict[str, int]) -> dict[str, int]:
    """The seed's summary: Total, Movies, Master data, Favorites."""
    return {
        "Total": sum(counts.values()),
        "Movies": counts.get("movies", 0) + counts.get("sc_movies", 0),
        "Master data": sum(counts.get(n, 0) for n in MASTER_CATEGORIES),
        "Favorites": counts.get("favorites", 0),
    }


def parse_category_list(text: str | None) -> frozenset[str] | None:
    """Parse `--categories a,b`; None means all. Unknown names are a usage error."""
    from .errors import UsageError

    if text is None or not text.strip():
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise UsageError(
            f"unknown category {', '.join(map(repr, unknown))}; choose from: {', '.join(CATEGORY_NAMES)}"
        )
    return frozenset(names)


def sql_case(column: str = "key") -> str:
    """An SQL CASE expression classifying `column` exactly like `categorize` (for GROUP BY counts).

    Uses substr() comparisons, which are exact in both PostgreSQL and SQLite.
    """
    def lit(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    whens = [f"WHEN {column} = {lit(k)} THEN {lit(n)}" for k, n in _EXACT.items()]
    whens += [
        f"WHEN substr({column}, 1, {len(p)}) = {lit(p)} THEN {lit(n)}" for p, n in _PREFIX.items()
    ]
    return "CASE " + " ".join(whens) + " ELSE 'other' END"
