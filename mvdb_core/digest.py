"""Content digests of a store or a backup file, equal whenever the two hold the same data.

A digest is SHA-256 over `key TAB canonical-value LF` for every row in key code-point order,
plus the row count. The canonical value makes different spellings of one JSON value equal:
PostgreSQL's jsonb adds spaces after `:` and `,`, reorders object keys and writes `1e2` as
`100`; SQLite keeps the text as written. So values are parsed (numbers exactly, as Decimal) and
written back compactly with sorted object keys and one spelling per number. The comparison is
the one `jsonvalue.same_text` makes (JSONB equality): `1.0` equals `1`, `true` is not `1`, a
JSON string that holds JSON stays a string. Everything streams: one row in memory at a time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from .backup_file import BackupFile
from .jsonvalue import has_long_number
from .progress import ProgressFn, Stage, Tracker
from .stores.base import Row, Store

_SORT = orjson.OPT_SORT_KEYS


@dataclass(frozen=True)
class Digest:
    """`sha256` (hex) of the canonical rows and their number."""

    sha256: str
    rows: int

    def __str__(self) -> str:
        return f"{self.sha256[:16]}… ({self.rows:,} rows)"


def _parse_int(text: str) -> Any:
    return int(text) if len(text) < 19 else Decimal(text)  # orjson writes 64-bit integers only


def _decimal_text(value: Decimal) -> bytes:
    """Plain decimal digits without exponent or trailing zeros (jsonb writes 1e2 as 100)."""
    if not value.is_finite():  # pragma: no cover - JSON has no such numbers
        raise TypeError("non-finite number")
    sign, digit_tuple, exp = value.as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return b"0"
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    digits = stripped
    assert isinstance(exp, int)
    if exp >= 0:
        text = digits + "0" * exp
    else:
        point = len(digits) + exp
        text = digits[:point] + "." + digits[point:] if point > 0 else "0." + "0" * -point + digits
    return (b"-" if sign else b"") + text.encode()


def _fragment(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(_decimal_text(value))
    raise TypeError(f"cannot encode {type(value).__name__}")


def _float(value: float) -> Any:
    # repr() is the shortest text that reads back as this double: for numbers written with up
    # to 15 significant digits it is the number as written, whatever its spelling.
    return orjson.Fragment(_decimal_text(Decimal(repr(value))))


def _fix_floats(doc: Any) -> Any:
    t = type(doc)
    if t is float:
        return _float(doc)
    if t is dict:
        for k, v in doc.items():
            tv = type(v)
            if tv is float:
                doc[k] = _float(v)
            elif tv is dict or tv is list:
                _fix_floats(v)
    elif t is list:
        for i, v in enumerate(doc):
            tv = type(v)
            if tv is float:
                doc[i] = _float(v)
            elif tv is dict or tv is list:
                _fix_floats(v)
    return doc


def canonical(value: bytes) -> bytes:
    """One compact spelling of a JSON text's value (sorted keys, canonical numbers)."""
    if not has_long_number(value):
        # Doubles hold every number of up to 15 significant digits exactly.
        return orjson.dumps(_fix_floats(orjson.loads(value)), option=_SORT)
    doc = json.loads(value, parse_float=Decimal, parse_int=_parse_int)
    return orjson.dumps(doc, default=_fragment, option=_SORT)


class DigestBuilder:
    """Add rows in strictly increasing key order, then take `result()`."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.rows = 0
        self._last: str | None = None

    def add(self, key: str, value: bytes) -> None:
        if self._last is not None and key <= self._last:
            raise ValueError(f"rows out of order at key {key!r}")
        self._last = key
        self._hash.update(orjson.dumps(key) + b"\t" + canonical(value) + b"\n")
        self.rows += 1

    def result(self) -> Digest:
        return Digest(self._hash.hexdigest(), self.rows)


def digest_rows(rows: Iterable[Row], tracker: Tracker | None = None) -> Digest:
    """Digest of rows that come in strictly increasing key order."""
    builder = DigestBuilder()
    for key, value in rows:
        builder.add(key, value)
        if tracker is not None and builder.rows % 5000 == 0:
            tracker.add(5000)
    if tracker is not None:
        tracker.add(builder.rows % 5000)
        tracker.finish()
    return builder.result()


def store_digest(store: Store, progress: ProgressFn | None = None, stage: Stage = Stage.DIGEST) -> Digest:
    """Digest of every row of a store (an absent table digests as empty)."""
    if not store.table_exists():
        return digest_rows(())
    return digest_rows(store.iter_rows(), Tracker(progress, stage))


def backup_digest(backup: BackupFile, progress: ProgressFn | None = None) -> Digest:
    """Digest of a backup file's entries as stored (validated while read)."""
    return digest_rows(backup.entries(), Tracker(progress, Stage.DIGEST))
