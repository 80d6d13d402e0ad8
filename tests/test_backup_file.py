"""The backup file reader on files larger than one read batch (about a megabyte).

Batches of plain entry lines are checked in bulk; anything unusual goes line by line. These
tests make both paths meet in one file and check that they agree with each other and name the
exact entry at fault.
"""

from __future__ import annotations

import orjson
import pytest
from corpus import Layout3

from mvdb_core.backup_file import READ_BYTES, BackupFile, BackupWriter
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
    ],
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


def test_every_file_the_reader_accepts_reads_as_a_json_parser_reads_it(tmp_path):
    """Differential: batch or line by line, first pass or re-read, the entries are the document's."""
    import hashlib
    import json

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import mvdb_core.backup_file as backup_file
    from mvdb_core.jsonvalue import same_text

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False,
                        allow_infinity=False), st.text(max_size=8))
    values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c,
                          max_size=3), max_leaves=6)
    keys = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=6)
    edits = st.lists(st.tuples(st.integers(0, 60), st.sampled_from(
        ["crlf", "space", "tab", "repeat-value", "repeat-key", "swap", "spaced-json", "drop-comma", "blank"])),
        max_size=4)

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
        if how in ("swap", "spaced-json"):
            try:
                entry = json.loads(line)
            except ValueError:
                return line
            if how == "spaced-json":
                return json.dumps(entry, ensure_ascii=False).encode()
            return json.dumps({"value": entry.get("value"), "key": entry.get("key")}, separators=(",", ":")).encode()
        if how == "drop-comma":
            return line + b"\n"
        return b""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(keys, values, min_size=1, max_size=60), edits)
    def check(data, changes):
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
        section = b",\n".join(layout.lines) + b"\n"
        layout.meta = {**layout.meta, "sha256": hashlib.sha256(section).hexdigest()}
        edited = tmp_path / "e.json"
        edited.write_bytes(layout.render())
        bf = BackupFile(edited)
        try:
            first = list(bf.entries())
        except InvalidBackupError:
            return
        second = list(bf.entries())
        document = json.loads(edited.read_bytes())["kvStoreData"]
        assert [k for k, _ in first] == [e["key"] for e in document] == [k for k, _ in second]
        for (_, a), (_, b), e in zip(first, second, document):
            assert same_text(a, b)
            assert same_text(a, json.dumps(e["value"]).encode())

    saved = backup_file.READ_BYTES
    backup_file.READ_BYTES = 300  # a few lines a batch: the batch and line-by-line paths meet often
    try:
        check()
    finally:
        backup_file.READ_BYTES = saved
