"""Exact JSON: numbers a double cannot hold survive a parse and an encode unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mvdb_core.jsonvalue import dumps, has_long_number, loads, same_text


@pytest.mark.parametrize(
    "text",
    [
        b"-9223372036854775809",
        b"18446744073709551616",
        b"[123456789012345678901234567890]",
        b'{"a":12345678.123456789012}',
        b"0.1000000000000000055511151231257827",
        b"1E+400",
        b"1E-400",
    ],
)
def test_numbers_beyond_a_double_round_trip_exactly(text):
    assert has_long_number(text)
    value = loads(text)
    assert dumps(value) == text
    assert same_text(dumps(value), text)


def test_ordinary_values_take_the_fast_parser_and_stay_equal():
    text = b'{"id":"1690000000000-abc","n":1.5,"k":[1,2,3],"s":"x"}'
    assert not has_long_number(text)
    assert loads(text) == {"id": "1690000000000-abc", "n": 1.5, "k": [1, 2, 3], "s": "x"}
    assert loads(b"1.10") == 1.1 and loads(b"0.10000000000000000000") == Decimal("0.10000000000000000000")


@pytest.mark.parametrize("text", [b"NaN", b"[Infinity]", b"[1e400, NaN]", b"[1,", b"\"\\ud800\""])
def test_what_is_not_json_stays_an_error(text):
    with pytest.raises(ValueError):
        loads(text)
