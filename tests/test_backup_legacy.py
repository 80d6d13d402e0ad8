"""Reading the app's 2.0.0 files as a stream, and checking one huge value without its object tree.

2.0.0 files are pretty-printed, in any order, and come without a digest: the reader follows the
JSON parser's events, encodes each value compactly into a temporary file and sorts the keys with
bounded memory. These tests compare what it reads with what a JSON parser reads, make the sort
spill to disk, and cut strings and surrogate pairs at every chunk boundary.
"""

from __future__ import annotations

import json
from decimal import Decimal

import orjson
import pytest

import mvdb_core.backup_file as backup_file
from mvdb_core.backup_file import BackupFile, BackupWriter
from mvdb_core.errors import InvalidBackupError
from mvdb_core.jsonvalue import postgres_number_problem, same_text


def _v2(entries: list, **meta) -> bytes:
    metadata = {"version": "2.0.0", "timestamp": "2024-05-01T10:00:00.000Z", "totalItems": len(entries), **meta}
    return json.dumps({"metadata": metadata, "kvStoreData": entries}, indent=2, ensure_ascii=False).encode()


def _read(tmp_path, data: bytes, name: str = "v2.json") -> list[tuple[str, bytes]]:
    path = tmp_path / name
    path.write_bytes(data)
    return list(BackupFile(path).entries())


def test_numbers_and_strings_stay_exact(tmp_path):
    text = (
        b'{"metadata": {"version": "2.0.0", "totalItems": 3},\n "kvStoreData": [\n'
        b'  {"key": "movie:b", "value": {"big": 12345678901234567890123, "long": 0.1000000000000000055511151231257827,'
        b' "small": 1.50, "neg": -0, "e": 1e-7, "t": true, "n": null}},\n'
        b'  {"value": "{\\"id\\":\\"a1\\",\\"name\\":\\"\\u845e\\"}", "key": "master_actor_1"},\n'
        b'  {"key": "movie:a", "value": ["caf\\u00e9", "\\ud83d\\ude00", "tab\\there", "\\\\ud800", {}]}\n'
        b"]}\n"
    )
    rows = _read(tmp_path, text)
    assert [k for k, _ in rows] == ["master_actor_1", "movie:a", "movie:b"]
    values = dict(rows)
    assert values["master_actor_1"] == orjson.dumps('{"id":"a1","name":"葞"}')  # still a JSON string
    assert values["movie:a"] == orjson.dumps(["café", "😀", "tab\there", "\\ud800", {}])
    movie = values["movie:b"]
    assert b"12345678901234567890123" in movie and b"0.1000000000000000055511151231257827" in movie
    assert json.loads(movie, parse_float=Decimal) == {
        "big": 12345678901234567890123, "long": Decimal("0.1000000000000000055511151231257827"),
        "small": Decimal("1.50"), "neg": 0, "e": Decimal("1e-7"), "t": True, "n": None,
    }


def test_the_sort_spills_to_disk_and_still_finds_duplicates(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_file, "LEGACY_RUN_ROWS", 3)  # many sorted runs merged from files
    keys = [f"movie:{(i * 7919) % 101:03d}" for i in range(40)]
    entries = [{"key": k, "value": {"i": i}} for i, k in enumerate(keys)]
    assert [k for k, _ in _read(tmp_path, _v2(entries))] == sorted(keys)
    entries.insert(33, {"key": keys[4], "value": None})
    with pytest.raises(InvalidBackupError, match=rf"entry 34 \(key '{keys[4]}'\): duplicate key \(also at entry 5\)"):
        _read(tmp_path, _v2(entries), "dup.json")


@pytest.mark.parametrize("chunk", [1, 5, 7, 16, 4096])
def test_surrogate_pairs_and_escaped_backslashes_across_chunk_boundaries(tmp_path, monkeypatch, chunk):
    """The parser gets the file a chunk at a time; an escape cut in two must not look like a lone surrogate."""
    monkeypatch.setattr(backup_file, "_PARSE_CHUNK", chunk)
    entries = [{"key": f"k{i}", "value": "x" * i + "😀\\ud800" + "\\" * i} for i in range(12)]
    text = json.dumps({"metadata": {"version": "2.0.0"}, "kvStoreData": entries}, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude00" in text
    assert _read(tmp_path, text) == sorted((e["key"], orjson.dumps(e["value"])) for e in entries)
    lone = text.replace(b"\\ude00", b"", 1)
    with pytest.raises(InvalidBackupError, match=r"lone surrogate \\ud83d"):
        _read(tmp_path, lone, "lone.json")


def test_a_long_string_is_encoded_in_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_file, "_PIECE", 3)
    value = 'a "quoted" \\ text\n夏の終わり 😀 ' * 5
    rows = _read(tmp_path, _v2([{"key": "k", "value": {"text": value, "list": [value, 1]}}]))
    assert rows == [("k", orjson.dumps({"text": value, "list": [value, 1]}))]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"a\\u0000": 1}', r"entry 1 \(key 'k'\): a string in the value contains \\u0000"),
        ("[1E+131072]", r"entry 1 \(key 'k'\): the number 1E\+131072 is too large for PostgreSQL"),
        ("[1.5e-16383]", r"entry 1 \(key 'k'\): the number 1.5E-16383 is too precise for PostgreSQL"),
        ("[" * 1025 + "]" * 1025, r"the file is too deeply nested .* in entry 1 \(key 'k'\)"),
    ],
)
def test_values_postgresql_cannot_hold_are_refused(tmp_path, value, message):
    text = b'{"metadata": {"version": "2.0.0"}, "kvStoreData": [{"key": "k", "value": ' + value.encode() + b"}]}"
    with pytest.raises(InvalidBackupError, match=message):
        _read(tmp_path, text)


def test_a_2_0_0_file_reads_as_a_json_parser_reads_it(tmp_path):
    """Differential: any 2.0.0 document, pretty or not, in any order, reads as Python's json reads it, sorted."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")  # what PostgreSQL stores
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(chars, max_size=8))
    values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(chars, max_size=4), c,
                          max_size=3), max_leaves=8)
    keys = st.text(chars, min_size=1, max_size=6)

    @settings(max_examples=80, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(keys, values, max_size=30), st.sampled_from([None, 2, 4]), st.booleans(), st.booleans())
    def check(data, indent, ascii_only, swap):
        entries = [{"value": v, "key": k} if swap else {"key": k, "value": v} for k, v in data.items()]
        doc = {"metadata": {"version": "2.0.0", "totalItems": len(entries)}, "kvStoreData": entries}
        text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only).encode()
        rows = _read(tmp_path, text)
        assert [k for k, _ in rows] == sorted(data)
        for key, value in rows:
            assert b"\n" not in value and b"\t" not in value
            assert same_text(value, json.dumps(data[key]).encode())

    check()


# --------------------------------------------------------------------------------------------
# One huge value in a 3.0.0 file: checked without building its object tree


def _write3(path, rows) -> None:
    with BackupWriter(path, {"kind": "sqlite", "table": "kv_store_cd38bf14"}) as w:
        w.add(rows)
        w.commit()


def test_big_values_are_checked_as_small_ones_are(tmp_path, monkeypatch):
    """With every value "big", the streaming checks accept and refuse exactly what orjson and the exact parser do."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    monkeypatch.setattr(backup_file, "BIG_VALUE", 1)
    monkeypatch.setattr(backup_file, "_PIECE", 4)
    fragments = st.sampled_from([
        '"', "\\", '\\"', "\\\\", "\\u0041", "\\ud83d", "\\ude00", "\\ud800", "\\x", "\\u12", "a", "é", "😀",
        "\x01", "\t", " ", ",", ":", "[", "]", "{", "}", "1", "-", "e", "1e-99999", "0.5", "true", "nul",
    ])
    texts = st.one_of(
        st.lists(fragments, max_size=12).map(lambda parts: ('"' + "".join(parts) + '"').encode()),
        st.lists(fragments, max_size=12).map(lambda parts: "".join(parts).encode()),
        st.recursive(st.one_of(st.text(max_size=6), st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                     max_leaves=6).map(lambda v: json.dumps(v).encode()),
    )

    def small_verdict(text: bytes) -> bool:
        return backup_file._value_problem(text) is None and postgres_number_problem(text) is None

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(texts)
    def check(text):
        assert (backup_file._big_value_problem(text) is None) == small_verdict(text), text

    check()
    value = orjson.dumps({"images": [f"img/{i}.jpg" for i in range(50)], "note": "夏 \\ud800"})
    path = tmp_path / "big.json"
    _write3(path, [("movie:a", b"1"), ("saved_gallery:x", value)])
    assert list(BackupFile(path).entries()) == [("movie:a", b"1"), ("saved_gallery:x", value)]
    bad = tmp_path / "bad.json"
    _write3(bad, [("movie:a", b'"\\ud800 alone"'), ("movie:b", b"2")])
    with pytest.raises(InvalidBackupError, match=r"entry 1\b.*not valid JSON .*surrogate"):
        BackupFile(bad).validate()


def test_a_2_0_0_file_is_parsed_once_per_object(tmp_path, monkeypatch):
    """Restore reads a file several times (plan, write, verify): later reads come from the sorted copy."""
    path = tmp_path / "v2.json"
    path.write_bytes(_v2([{"key": "movie:b", "value": 2}, {"key": "movie:a", "value": 1}]))
    bf = BackupFile(path)
    first = list(bf.entries())
    parsed = []
    monkeypatch.setattr(backup_file._Legacy, "pages", lambda self: parsed.append(1) or iter(()))
    assert list(bf.entries()) == first == [("movie:a", b"1"), ("movie:b", b"2")]
    assert parsed == []
    monkeypatch.undo()
    path.write_bytes(_v2([{"key": "movie:d", "value": 4}, {"key": "movie:c", "value": 3}]))  # changed since
    assert list(bf.entries()) == [("movie:c", b"3"), ("movie:d", b"4")]


@pytest.mark.parametrize("tail", [b'"', b' "x', b' "abc}', b", 1", b" ]", b" {}"])
def test_anything_after_the_document_is_refused(tmp_path, tail):
    """The C parser alone lets an unterminated string after a complete document pass (`{}"x` reads as `{}`)."""
    with pytest.raises(InvalidBackupError, match=r"not valid JSON|truncated"):
        _read(tmp_path, _v2([{"key": "k", "value": 1}]) + tail)
    for value in (b'{"a":[1,2]}', b"[1,2]", b"12", b"true"):
        assert backup_file._big_value_problem(value) is None
        assert backup_file._big_value_problem(value + tail) is not None
