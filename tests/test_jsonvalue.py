"""Exact JSON: numbers a double cannot hold survive a parse and an encode unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mvdb_core.jsonvalue import dumps, has_long_number, loads, postgres_number_problem, same_text


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


# Numbers at the edge of what PostgreSQL's numeric type (and so jsonb) can hold: at most 131072
# digits before the decimal point and 16383 after, once the exponent is applied.
INSIDE = [
    b"1e131071", b"9.9e131071", b"0.0001e131075", b"-1e131071", b"1" + b"0" * 131071, b"1e-16383",
    b"0.1e-16382", b"1.5e-16382", b"0e-16383", b"0.000e-16380", b"0." + b"0" * 16382 + b"1", b"0e999999999",
    b"1E+5", b"1e00000000000000000005", b"-0.0", b"123.456",
]
OUTSIDE = [
    b"1e131072", b"10e131071", b"0.0001e131076", b"-1e131072", b"1" + b"0" * 131072, b"1e-16384", b"1.5e-16383",
    b"1.0e-16383", b"100e-16385", b"0e-16384", b"0.000e-16381", b"0." + b"0" * 16383 + b"1", b"1e999999999",
    b"1E+999999999", b"0e1073741823", b"1e-99999", b"1e99999999999999999999999",
]


@pytest.mark.parametrize("number", INSIDE, ids=lambda n: n[:24].decode())
def test_numbers_postgresql_can_store_pass(number):
    assert postgres_number_problem(b'{"a":[1,' + number + b',"1e999999999"]}') is None


@pytest.mark.parametrize("number", OUTSIDE, ids=lambda n: n[:24].decode())
def test_numbers_postgresql_cannot_store_are_named(number):
    problem = postgres_number_problem(b'{"a":[1,"1e999999999",' + number + b"]}")
    assert problem is not None and "PostgreSQL" in problem
    assert number[:12].decode() in problem and len(problem) < 200


def test_only_numbers_count_not_digits_in_strings():
    assert postgres_number_problem(b'["1e999999999","\\"1e-99999",{"1e999999":0}]') is None
    assert postgres_number_problem(b'"' + b"9" * 200000 + b'"') is None
