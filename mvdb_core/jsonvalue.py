"""JSON value helpers: compact encoding and exact equality of JSON texts.

Values travel as compact JSON text (bytes) and are never re-encoded when not needed, so a
value keeps its exact meaning: a JSON string that holds JSON stays a string, big integers and
decimal digits stay as written. Equality follows JSONB: object key order and whitespace do not
matter, numbers compare by value, `true` is not `1`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import orjson

_DIGITS_TO_ZERO = bytes.maketrans(b"123456789.", b"0000000000")
_SIXTEEN_DIGITS = b"0" * 16
_BIG_EXPONENT = re.compile(rb"[eE][-+]?[0-9]{3}")


def has_long_number(text: bytes) -> bool:
    """`text` may hold a number a double cannot hold exactly.

    That is 16+ digits and points in a row, or a three-digit exponent. C-speed scans; a false
    alarm (digits in a string) only costs an exact parse.
    """
    return _SIXTEEN_DIGITS in text.translate(_DIGITS_TO_ZERO) or _BIG_EXPONENT.search(text) is not None


def loads(text: bytes | str) -> Any:
    """Parse JSON exactly: integers beyond 64 bits stay int, long decimals become Decimal.

    orjson parses (and validates) first; it would turn such numbers into doubles, so texts
    that may hold one are parsed again by the standard library.
    """
    raw = text.encode() if isinstance(text, str) else text
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "infinity" not in str(exc):
            raise
    else:
        if not has_long_number(raw):
            return value
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("recursion limit reached: nested too deeply") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name}")


def dumps(value: Any) -> bytes:
    """Compact JSON without a newline; exact for integers beyond 64 bits and Decimal numbers."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return _dumps_exact(value)


def _dumps_exact(value: Any) -> bytes:
    if isinstance(value, dict):
        return b"{" + b",".join(orjson.dumps(str(k)) + b":" + _dumps_exact(v) for k, v in value.items()) + b"}"
    if isinstance(value, list):
        return b"[" + b",".join(_dumps_exact(v) for v in value) + b"]"
    if isinstance(value, Decimal):
        return str(value).encode()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).encode()
    return orjson.dumps(value)


def compact(text: bytes) -> bytes:
    """Put valid JSON text on one line, exactly.

    JSON strings cannot hold raw CR, LF or TAB, so any such byte is insignificant whitespace.
    """
    if b"\n" in text or b"\r" in text or b"\t" in text:
        return text.translate(None, b"\n\r\t")
    return text


def equal(a: Any, b: Any) -> bool:
    """JSONB equality of two parsed values (bool is not a number; 1 == 1.0)."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if ta in (int, float, Decimal) and tb in (int, float, Decimal):
        return a == b
    if ta is not tb:
        return False
    if ta is dict:
        return a.keys() == b.keys() and all(equal(v, b[k]) for k, v in a.items())
    if ta is list:
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return a == b


def same_text(a: bytes, b: bytes) -> bool:
    """True when two JSON texts hold the same value."""
    if a == b:
        return True
    try:
        va, vb = orjson.loads(a), orjson.loads(b)
    except orjson.JSONDecodeError:
        va, vb = loads(a), loads(b)
    else:
        # Fast path, all in C: the same canonical text means the same value.
        if orjson.dumps(va, option=orjson.OPT_SORT_KEYS) == orjson.dumps(vb, option=orjson.OPT_SORT_KEYS):
            if not (has_long_number(a) or has_long_number(b)):
                return True
    if not equal(va, vb):
        return False
    if has_long_number(a) or has_long_number(b):
        # orjson reads long integers as doubles; confirm exactly.
        return equal(json.loads(a, parse_float=Decimal), json.loads(b, parse_float=Decimal))
    return True
