"""The backup file reader on files larger than one read batch (about a megabyte).

Batches of plain entry lines are checked in bulk; anything unusual goes line by line. These
tests make both paths meet in one file and check that they agree with each other and name the
exact entry at fault.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import orjson
import pytest
from corpus import Layout3

from mvdb_core.backup_file import READ_BYTES, BackupFile, BackupWriter
from mvdb_core.categories import categorize, empty_counts
from mvdb_core.errors import InvalidBackupError

VALUE = orjson.dumps({"title": "夏の終わりの物語", "cast": ["x" * 400, "y" * 400], "n": 1.5, "ok": True})


def _rows(n: int, odd: dict[int, tuple[str, bytes]] | None = None) -> list[tuple[str, bytes]]:
    rows = [(f"movie:{i:06d}", VALUE) for i in range(n)]
    for i, (suffix, value) in (odd or {}).items():
        rows[i] = (rows[i][0] + suffix, value)
    return rows


def _write(tmp_path, rows) -> BackupFile:
    path = tmp_path / "b.json"
    with BackupWriter(path, {"kind": "sqlite", "table": "kv_store_cd38bf14"}) as w:
        for start in range(0, len(rows), 700):
            w.add(rows[start : start + 700])
        w.commit()
    return BackupFile(path)


def test_plain_and_unusual_entries_read_back_exactly_on_both_passes(tmp_path):
    odd = {
        10: ('"quoted"', b'{"value": "a value holding the word value"}'),  # escaped key, the word "value"
        3000: ("\\back\tslash", b"[1, 2]"),
        5000: ("日本語😀", b'"text"'),
        5001: ("~", b'{"key": "k", "value": null}'),  # member names of an entry inside a value
        7999: ("zz", b"null"),
    }
    rows = _rows(8000, odd)
    assert len(rows) * len(VALUE) > 2 * READ_BYTES  # several batches
    bf = _write(tmp_path, rows)
    pages = list(bf.pages())
    assert len(pages) > 2
    assert [r for p in pages for r in p] == rows
    assert list(bf.entries()) == rows  # the second pass re-reads without parsing values
    assert bf.validate().total == 8000


@pytest.mark.parametrize(
    ("position", "text", "message"),
    [
        (4321, b'{"key":"movie:004320","value":nul}', r"entry 4321\b.*not valid JSON"),
        (6000, b'{"key":"movie:000001","value":1}', r"entry 6000\b.*not sorted"),
        (2500, b'{"key":"movie:002498","value":1}', r"entry 2500\b.*duplicate key"),
        (3333, b'{"key":"movie:003332","value":"\\u0000"}', r"entry 3333\b.*\\u0000"),
        (5555, b'{"key":"movie:005554"}', r"entry 5555\b.*value is missing"),
        (4000, b'{"key":"movie:003999","value":[1,{"r":1E-16384}]}', r"entry 4000 \(key 'movie:003999'\): .*1E-16384 .*"
         r"too precise for PostgreSQL"),
        (4100, b'{"key":"movie:004099","value":0.' + b"0" * 16383 + b"1}", r"entry 4100 \(key 'movie:004099'\): "
         r"the number 0\.0+… \(16,386 characters\) is too precise"),
        (4200, b'{"key":"movie:004199","value":{"n":-1e999999999}}', r"entry 4200\b.*-1e999999999 is too large"),
    ],
    ids=lambda v: v[:40].decode() if isinstance(v, bytes) else str(v)[:40],
)
def test_a_defect_deep_in_a_large_file_names_its_entry(tmp_path, position, text, message):
    bf = _write(tmp_path, _rows(8000))
    layout = Layout3.parse(bf.path.read_bytes())
    layout.lines[position - 1] = text
    bad = tmp_path / "bad.json"
    bad.write_bytes(layout.reseal().render())
    with pytest.raises(InvalidBackupError, match=message):
        BackupFile(bad).validate()


def test_a_repeated_member_name_never_leaks_into_a_value(tmp_path):
    """`{"key":"a","value":1,"value":2}` parses as value 2; the text after `"value":` is not a value."""
    bf = _write(tmp_path, _rows(4000))
    layout = Layout3.parse(bf.path.read_bytes())
    layout.lines[1500] = b'{"key":"movie:001500","value":1,"value":2}'
    layout.lines[1501] = b'{"key":"movie:001501","value":{"a":1},"key":"movie:001501"}'
    edited = tmp_path / "edited.json"
    edited.write_bytes(layout.reseal().render())
    bf = BackupFile(edited)
    for _ in range(2):  # validating pass, then the re-read
        got = dict(bf.entries())
        assert got["movie:001500"] == b"2"
        assert got["movie:001501"] == b'{"a":1}'
        assert got["movie:001499"] == VALUE


def test_crlf_line_ends_on_some_lines_read_back_exactly(tmp_path):
    """A file saved by an editor that turned some line ends into CR LF stays exact on every pass."""
    import hashlib

    rows = _rows(3000)
    data = _write(tmp_path, rows).path.read_bytes()
    head, _, rest = data.partition(b"\n")
    lines = rest.split(b"\n")
    for i in range(1, len(lines) - 3, 7):
        lines[i] += b"\r"
    rest = b"\n".join(lines)
    section = rest[rest.index(b"\n") + 1 : rest.rindex(b"]}")]
    meta = orjson.loads(head.rstrip()[len(b'{"metadata":') : -1])
    meta["sha256"] = hashlib.sha256(section).hexdigest()
    edited = tmp_path / "crlf.json"
    edited.write_bytes((b'{"metadata":' + orjson.dumps(meta) + b",").ljust(8191) + b"\n" + rest)
    bf = BackupFile(edited)
    assert list(bf.entries()) == rows
    assert list(bf.entries()) == rows  # the re-read without parsing


def _walk_strings_and_numbers(value, strings, numbers):
    """Every string (member names included) and every number in a parsed value."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            strings.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            strings.append(v)
        elif isinstance(v, Decimal | float):
            numbers.append(v)


def _postgres_can_store(number: Decimal | float) -> bool:
    """PostgreSQL numeric: at most 131072 digits before the point and 16383 after (exponent applied)."""
    if isinstance(number, float):  # NaN or Infinity: not JSON
        return False
    _, digits, exponent = number.as_tuple()
    if -exponent > 16383:
        return False
    if not any(digits):
        return exponent < 1073741823
    return len(digits) + exponent <= 131072


def independent_problem(data: bytes) -> str | None:
    """Why a file in our line layout is not a valid backup, found without the reader's code.

    The whole document must be JSON (Python's parser); the entry section must hold one entry
    per line, each followed by a comma except the last, then a `]}` line; every entry an
    object with exactly a key and a value; keys non-empty, without NUL, strictly increasing;
    no NUL and no lone surrogate in any string; every number one PostgreSQL can store; the
    metadata's totalItems, categories and sha256 as the entries say.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        doc = json.loads(data, parse_float=Decimal, parse_int=Decimal, parse_constant=float)
    except ValueError as exc:
        return f"not JSON: {exc}"
    meta, entries = doc["metadata"], doc["kvStoreData"]
    rest = data.split(b"\n", 2)[2]
    lines = rest.split(b"\n")
    section = lines[: len(entries)]
    if lines[len(entries)].rstrip(b"\r") != b"]}" or any(x.strip() for x in lines[len(entries) + 1 :]):
        return "not one entry per line, then ]}"
    for i, (line, entry) in enumerate(zip(section, entries)):
        last = i == len(entries) - 1
        text = line.rstrip(b"\r")
        if last == text.endswith(b","):
            return f"line of entry {i + 1}: comma"
        try:
            alone = json.loads(text[:-1] if not last else text, parse_float=Decimal, parse_int=Decimal)
        except ValueError:
            return f"entry {i + 1} is not alone on its line"
        if alone != entry:
            return f"entry {i + 1} is not alone on its line"
    keys = []
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or set(entry) != {"key", "value"}:
            return f"entry {i}: not an object with exactly key and value"
        key = entry["key"]
        if not isinstance(key, str) or not key or "\x00" in key:
            return f"entry {i}: bad key"
        strings, numbers = [key], []
        _walk_strings_and_numbers(entry["value"], strings, numbers)
        for s in strings:
            if "\x00" in s:
                return f"entry {i}: NUL"
            try:
                s.encode("utf-8")
            except UnicodeEncodeError:
                return f"entry {i}: lone surrogate"
        if any(isinstance(n, float) for n in numbers) or not all(map(_postgres_can_store, numbers)):
            return f"entry {i}: a number PostgreSQL cannot store"
        keys.append(key)
    if any(a >= b for a, b in zip(keys, keys[1:])):
        return "keys not strictly increasing"
    counts = empty_counts()
    for key in keys:
        counts[categorize(key)] += 1
    digest = hashlib.sha256(b"".join(line + b"\n" for line in section)).hexdigest()
    if meta["totalItems"] != len(keys) or meta["categories"] != counts or meta["sha256"] != digest:
        return "metadata does not match the entries"
    return None


def test_every_file_the_reader_accepts_reads_as_a_json_parser_reads_it_and_it_refuses_only_invalid_ones(tmp_path):
    """Differential: whatever an edit did to the entry lines, the reader agrees with an independent check.

    When the reader accepts a file, its entries (first pass and re-read) are the document's as
    a JSON parser reads it; when it refuses one, `independent_problem` finds a reason too.
    """
    from hypothesis import HealthCheck, event, given, settings
    from hypothesis import strategies as st

    import mvdb_core.backup_file as backup_file
    from mvdb_core.jsonvalue import same_text

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False,
                        allow_infinity=False), st.text(max_size=8))
    values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c,
                          max_size=3), max_leaves=6)
    keys = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=6)
    edits = st.lists(st.tuples(st.integers(0, 60), st.sampled_from(
        ["crlf", "space", "tab", "repeat-value", "repeat-key", "swap", "spaced-json", "drop-comma", "blank",
         "trailing-comma", "nul", "surrogate", "pair", "huge-number", "tiny-number", "long-number", "extra-field",
         "empty-key", "escaped-key"])), max_size=4)

    def edit(line: bytes, how: str) -> bytes:
        if how == "crlf":
            return line + b"\r"
        if how == "space":
            return line.replace(b'"value":', b'"value": ', 1)
        if how == "tab":
            return line.replace(b'"value":', b'"value":\t', 1)
        if how == "repeat-value":
            return line[:-1] + b',"value":"other"}'
        if how == "repeat-key":
            return line[:-1] + b',"k\\u0065y":"zzz"}'
        if how == "trailing-comma":
            return line + b","
        if how == "nul":
            return line[:-1] + b',"value":["a\\u0000"]}'
        if how == "surrogate":
            return line[:-1] + b',"value":"\\ud800"}'
        if how == "pair":
            return line[:-1] + b',"value":{"\\ud83d\\ude00":"\\\\ud800"}}'
        if how == "huge-number":
            return line[:-1] + b',"value":[1e-99999]}'
        if how == "tiny-number":
            return line[:-1] + b',"value":[1.5e-16382,-0.0,1E+400,0e-16383]}'
        if how == "long-number":
            return line[:-1] + b',"value":' + b"9" * 400 + b"}"
        if how == "extra-field":
            return line[:-1] + b',"note":1}'
        if how == "empty-key":
            return line.replace(b'"key":"', b'"key":"",  "x":"', 1)
        if how in ("swap", "spaced-json", "escaped-key"):
            try:
                entry = json.loads(line)
            except ValueError:
                return line
            if how == "spaced-json":
                return json.dumps(entry, ensure_ascii=False).encode("utf-8", "surrogatepass")
            if how == "escaped-key":
                return json.dumps(entry, ensure_ascii=True, separators=(",", ":")).encode()
            return json.dumps({"value": entry.get("value"), "key": entry.get("key")}, separators=(",", ":")).encode()
        if how == "drop-comma":
            return line + b"\n"
        return b""

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(keys, values, min_size=1, max_size=60), edits, st.booleans())
    def check(data, changes, bom):
        rows = sorted((k, json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()) for k, v in data.items())
        path = tmp_path / "p.json"
        path.unlink(missing_ok=True)
        with BackupWriter(path, {"kind": "sqlite", "table": "kv_store_cd38bf14"}) as w:
            w.add(rows)
            w.commit()
        layout = Layout3.parse(path.read_bytes())
        for at, how in changes:
            i = at % len(layout.lines)
            layout.lines[i] = edit(layout.lines[i], how)
        edited = tmp_path / "e.json"
        edited.write_bytes((b"\xef\xbb\xbf" if bom else b"") + layout.reseal().render())
        problem = independent_problem(edited.read_bytes())
        bf = BackupFile(edited)
        try:
            first = list(bf.entries())
        except InvalidBackupError as exc:
            assert problem is not None, f"the reader refused a valid file: {exc}"
            event("refused")
            return
        event("accepted")
        assert problem is None, f"the reader accepted an invalid file: {problem}"
        second = list(bf.entries())
        document = json.loads(edited.read_bytes().removeprefix(b"\xef\xbb\xbf"))["kvStoreData"]
        assert [k for k, _ in first] == [e["key"] for e in document] == [k for k, _ in second]
        for (_, a), (_, b), e in zip(first, second, document):
            assert a == b
            assert b"\n" not in a and b"\r" not in a and b"\t" not in a
            assert same_text(a, json.dumps(e["value"]).encode())

    saved = backup_file.READ_BYTES
    backup_file.READ_BYTES = 300  # a few lines a batch: plain and unusual lines meet often
    try:
        check()
    finally:
        backup_file.READ_BYTES = saved


def test_a_utf8_bom_before_the_metadata_is_accepted(tmp_path):
    """Windows editors save UTF-8 with a byte order mark; the digest covers the entries, which it does not touch."""
    rows = _rows(3000)
    data = _write(tmp_path, rows).path.read_bytes()
    saved = tmp_path / "bom.json"
    saved.write_bytes(b"\xef\xbb\xbf" + data)
    bf = BackupFile(saved)
    assert bf.version == "3.0.0" and not bf.is_legacy
    assert list(bf.entries()) == rows
    assert list(bf.entries()) == rows
    assert bf.validate().total == 3000


def test_a_utf8_bom_before_a_2_0_0_file_is_still_accepted(tmp_path):
    doc = {"metadata": {"version": "2.0.0", "timestamp": "2024-05-01T10:00:00.000Z", "totalItems": 2},
           "kvStoreData": [{"key": "movie:b", "value": {"id": "b"}}, {"key": "movie:a", "value": [1, 2]}]}
    saved = tmp_path / "bom2.json"
    saved.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc, indent=2).encode())
    bf = BackupFile(saved)
    assert bf.is_legacy
    assert list(bf.entries()) == [("movie:a", b"[1,2]"), ("movie:b", b'{"id":"b"}')]


def test_a_comma_after_the_last_entry_is_refused(tmp_path):
    """`{...},` then `]}` is not JSON (the app's restore would fail on it): name the entry."""
    layout = Layout3.parse(_write(tmp_path, _rows(2500)).path.read_bytes())
    layout.lines[-1] += b","
    edited = tmp_path / "comma.json"
    edited.write_bytes(layout.reseal().render())
    with pytest.raises(InvalidBackupError, match=r"entry 2500\b.*comma"):
        BackupFile(edited).validate()
