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
# An escaped UTF-16 surrogate (after an even run of backslashes): a high one with its low half,
# a lone high one, or a lone low one.
_SURROGATE_ESCAPE = re.compile(
    rb"(?<!\\)(?:\\\\)*(\\u[dD][89abAB][0-9a-fA-F]{2})(\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
    rb"|(?<!\\)(?:\\\\)*(\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)
_STRING = re.compile(rb'"[^"]*"')  # once escaped quotes and backslashes are gone
_SUSPECT_NUMBER = re.compile(
    rb"-?[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+|-?[0-9]{16,}(?:\.[0-9]*)?|-?[0-9]+\.[0-9]{16,}"
)
# PostgreSQL's numeric (and so jsonb): at most 131072 digits before the decimal point and 16383
# after, once the exponent is applied; the exponent itself must stay below 1073741823.
PG_MAX_WHOLE_DIGITS = 131072
PG_MAX_SCALE = 16383
_PG_MAX_EXPONENT = 1073741822


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
    return _loads_exact(raw)


def _loads_exact(raw: bytes) -> Any:
    """The standard library's parser, held to orjson's rules: strict UTF-8, no lone surrogates."""
    surrogate = lone_surrogate(raw)
    if surrogate is not None:
        raise ValueError(f"lone surrogate {surrogate.decode()} in a string (not valid Unicode)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"str is not valid UTF-8 (byte 0x{raw[exc.start]:02x})") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_int, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("recursion limit reached: nested too deeply") from None


def _int(text: str) -> int | Decimal:
    # int() refuses more than 4300 digits (a guard against slow conversions); Decimal does not.
    return int(text) if len(text) <= 4300 else Decimal(text)


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


def lone_surrogate(text: bytes) -> bytes | None:
    """The first escaped surrogate in JSON `text` that is not half of a pair, or None.

    PostgreSQL, orjson and UTF-8 refuse them; some parsers let them through or replace them.
    """
    if b"\\ud" not in text and b"\\uD" not in text:
        return None
    for match in _SURROGATE_ESCAPE.finditer(text):
        if match.group(3) is not None:
            return match.group(3)
        if match.group(2) is None:
            return match.group(1)
    return None


def postgres_number_problem(text: bytes) -> str | None:
    """Why PostgreSQL cannot store the first such number in valid JSON `text`; None if it can store all.

    Strings are skipped whole, so digits inside them never count. Only numbers with an
    exponent or 16 digits in a row can be out of range; each of those is measured exactly.
    """
    if b"\\" in text:  # drop escaped backslashes and quotes: then a string is "..." without a quote
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    if b'"' in text:
        text = _STRING.sub(b"", text)
    for match in _SUSPECT_NUMBER.finditer(text):
        problem = postgres_number_range(match.group())
        if problem is not None:
            return problem
    return None


def postgres_number_range(number: bytes) -> str | None:
    """Why PostgreSQL's numeric type cannot hold this JSON number, or None when it can."""
    mantissa, _, exponent_text = number.lower().partition(b"e")
    whole, _, fraction = mantissa.lstrip(b"-").partition(b".")
    digits = exponent_text.lstrip(b"+-").lstrip(b"0")
    if len(digits) > 10:  # far beyond any limit; int() of it would be slow
        exponent = -(10**11) if exponent_text.startswith(b"-") else 10**11
    else:
        exponent = int(exponent_text or b"0")
    shown = number.decode() if len(number) <= 40 else f"{number[:20].decode()}… ({len(number):,} characters)"
    if len(fraction) - exponent > PG_MAX_SCALE:
        return (
            f"the number {shown} is too precise for PostgreSQL (more than {PG_MAX_SCALE} digits after the "
            "decimal point)"
        )
    significant = (whole + fraction).lstrip(b"0")  # digits before the point: from the first non-zero one
    if significant and len(significant) - len(fraction) + exponent > PG_MAX_WHOLE_DIGITS:
        return (
            f"the number {shown} is too large for PostgreSQL (more than {PG_MAX_WHOLE_DIGITS} digits before the "
            "decimal point)"
        )
    if abs(exponent) > _PG_MAX_EXPONENT:
        return f"the number {shown} has an exponent too large for PostgreSQL"
    return None
