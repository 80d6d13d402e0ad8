"""A corpus of malformed backup files, built from a valid backup at test time (no binary fixtures).

`make_base(folder)` writes a few rows into an SQLite store and backs them up with the real
writer, so the 3.0.0 corpus starts from exactly what `backup()` produces; the 2.0.0 base is
written the way the original app wrote its files (pretty-printed, master values as objects,
keys in no particular order). Each `Case` derives one defective file from these bases. Where
the defect is not in the metadata itself, the metadata is resealed (digest, totals,
categories recomputed) so that each file carries exactly the one defect it is named after.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from mvdb_core.backup import backup
from mvdb_core.categories import categorize, empty_counts
from mvdb_core.errors import InvalidBackupError, MvdbError
from mvdb_core.stores import open_store

# The rows of the valid backup, in key order (positions below are 1-based entry numbers).
ROWS: list[tuple[str, Any]] = [
    ("favorite_fav_1700000000000_x1y2z3", {"id": "fav_1", "type": "movie", "itemId": "m1", "userId": "u-old"}),
    ("master_actor_1700000000000-a1", json.dumps({"id": "a1", "name": "Aoi", "jpname": "葵"})),
    ("movie:m1", {"id": "m1", "code": "ABC-001", "titleEn": "One", "titleJp": "一つ", "tags": "a,b"}),
    ("movie:m2", {"id": "m2", "code": "ABC-002", "titleEn": "Two", "galleryImages": ["x.jpg", "y.jpg"]}),
    ("movie_type_colors", {"cen": "#ff0000", "unc": "#00ff00"}),
    ("template_group:t1", {"id": "t1", "name": "Default", "applicableTypes": ["cen"], "isDefault": True}),
]
KEYS = [k for k, _ in ROWS]


@dataclass
class Base:
    v3: bytes
    v2: bytes


def make_base(folder: Path) -> Base:
    """A valid 3.0.0 backup (via the store API and `backup()`) and a valid 2.0.0 file."""
    folder.mkdir(parents=True, exist_ok=True)
    with open_store(f"sqlite://{folder}/source.sqlite3") as store:
        store.create_table()
        store.write([(k, orjson.dumps(v)) for k, v in ROWS], [])
        path = backup(store, folder / "valid-3.0.0.json").path
    return Base(v3=path.read_bytes(), v2=v2_bytes(v2_doc()))


# --------------------------------------------------------------------------------------------
# 3.0.0 line layout


@dataclass
class Layout3:
    """A 3.0.0 file taken apart: metadata, entry lines (without their commas), and the tail."""

    meta: dict[str, Any]
    lines: list[bytes]
    tail: bytes = b"]}\n"

    @classmethod
    def parse(cls, data: bytes) -> Layout3:
        head, data_line, rest = data.split(b"\n", 2)
        assert head.startswith(b'{"metadata":') and data_line == b'"kvStoreData":[', data[:200]
        meta = orjson.loads(head.rstrip()[len(b'{"metadata":') : -1])
        body, _, _ = rest.rpartition(b"\n]}")
        return cls(meta, body.split(b",\n"))

    def reseal(self) -> Layout3:
        """Recompute sha256, totalItems and categories so they agree with the (edited) lines."""
        counts = empty_counts()
        for line in self.lines:
            try:
                key = orjson.loads(line).get("key")
            except (orjson.JSONDecodeError, AttributeError):
                continue
            if isinstance(key, str):
                counts[categorize(key)] += 1
        section = b",\n".join(self.lines) + b"\n" if self.lines else b""
        digest = hashlib.sha256(section).hexdigest()
        self.meta = {**self.meta, "sha256": digest, "totalItems": len(self.lines), "categories": counts}
        return self

    def render(self, pad: bool = True) -> bytes:
        head = b'{"metadata":' + orjson.dumps(self.meta) + b","
        if pad:  # as the writer does: the metadata line is reserved with spaces
            head = head.ljust(8191)
        return head + b"\n" + b'"kvStoreData":[\n' + b",\n".join(self.lines) + b"\n" + self.tail


def line(key: Any, value: Any) -> bytes:
    return orjson.dumps({"key": key, "value": value})


def v3_edit(edit: Callable[[Layout3], None], reseal: bool = True) -> Callable[[Base], bytes]:
    def build(base: Base) -> bytes:
        layout = Layout3.parse(base.v3)
        edit(layout)
        if reseal:
            layout.reseal()
        return layout.render()

    return build


def v3_meta(**changes: Any) -> Callable[[Base], bytes]:
    """Change metadata fields only (a value of DROP removes the field)."""

    def edit(layout: Layout3) -> None:
        meta = dict(layout.meta)
        for name, value in changes.items():
            if value is DROP:
                meta.pop(name, None)
            else:
                meta[name] = value
        layout.meta = meta

    return v3_edit(edit, reseal=False)


DROP = object()


def v3_set_line(position: int, text: bytes, reseal: bool = True) -> Callable[[Base], bytes]:
    def edit(layout: Layout3) -> None:
        layout.lines[position - 1] = text

    return v3_edit(edit, reseal)


def v3_raw(transform: Callable[[bytes], bytes]) -> Callable[[Base], bytes]:
    return lambda base: transform(base.v3)


def cut_inside_line(position: int) -> Callable[[bytes], bytes]:
    """Cut the file in the middle of entry line `position`."""

    def cut(data: bytes) -> bytes:
        start = _line_start(data, position)
        end = data.index(b"\n", start)
        return data[: (start + end) // 2]

    return cut


def cut_after_line(position: int) -> Callable[[bytes], bytes]:
    """Cut the file right after entry line `position` and its newline."""

    def cut(data: bytes) -> bytes:
        return data[: data.index(b"\n", _line_start(data, position)) + 1]

    return cut


def _line_start(data: bytes, position: int) -> int:
    offset = data.index(b'"kvStoreData":[\n') + len(b'"kvStoreData":[\n')
    for _ in range(position - 1):
        offset = data.index(b"\n", offset) + 1
    return offset


# --------------------------------------------------------------------------------------------
# 2.0.0, as the app wrote it


def v2_doc() -> dict[str, Any]:
    """The app's layout: parsed master values (its defect), keys in app order, not sorted."""
    order = [2, 3, 0, 1, 4, 5]  # movies first, then master data, favorites, the rest
    data = []
    for i in order:
        key, value = ROWS[i]
        if key.startswith("master_"):
            value = json.loads(value)
        data.append({"key": key, "value": value})
    return {
        "metadata": {
            "version": "2.0.0",
            "timestamp": "2024-05-01T10:00:00.000Z",
            "sourceProjectId": "abcdefghijklmnopqrst",
            "totalItems": len(data),
            "kvStoreKeys": [e["key"] for e in data],
        },
        "kvStoreData": data,
    }


def v2_bytes(doc: Any) -> bytes:
    return json.dumps(doc, indent=2, ensure_ascii=False).encode()


def v2_edit(edit: Callable[[dict[str, Any]], Any]) -> Callable[[Base], bytes]:
    """Edit the parsed 2.0.0 document; totalItems follows the list unless the edit set it."""

    def build(base: Base) -> bytes:
        doc = v2_doc()
        result = edit(doc)
        if result is not None:
            doc = result
        if isinstance(doc, dict) and isinstance(doc.get("metadata"), dict):
            items = doc.get("kvStoreData")
            if isinstance(items, list) and doc["metadata"].get("totalItems") == len(ROWS):
                doc["metadata"]["totalItems"] = len(items)
        return v2_bytes(doc)

    return build


def v2_set_entry(position: int, entry: Any) -> Callable[[Base], bytes]:
    def edit(doc: dict[str, Any]) -> None:
        doc["kvStoreData"][position - 1] = entry

    return v2_edit(edit)


def v2_text(transform: Callable[[bytes], bytes]) -> Callable[[Base], bytes]:
    return lambda base: transform(base.v2)


def v2_key(position: int) -> str:
    return v2_doc()["kvStoreData"][position - 1]["key"]


# --------------------------------------------------------------------------------------------
# The cases


@dataclass
class Case:
    id: str
    build: Callable[[Base], bytes]
    expect: str
    """A regular expression the message must match (re.search), after the common prefix."""
    entry: tuple[int, str | None] | None = None
    """(position, key) of the entry at fault: the message must name both (key None: position only)."""
    error: type[MvdbError] = InvalidBackupError
    tags: set[str] = field(default_factory=set)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


_rng = random.Random(20240501)
RANDOM_BYTES = bytes(_rng.getrandbits(8) for _ in range(4096))
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
    + RANDOM_BYTES[:512]
)
K = KEYS  # K[0] is entry 1, and so on


def _dup_adjacent(layout: Layout3) -> None:
    layout.lines.insert(3, layout.lines[2])


def _swap(layout: Layout3) -> None:
    layout.lines[2], layout.lines[3] = layout.lines[3], layout.lines[2]


def _edit_value(layout: Layout3) -> None:
    layout.lines[3] = layout.lines[3].replace(b'"Two"', b'"Zwei"')


def _pretty_v3(base: Base) -> bytes:
    layout = Layout3.parse(base.v3)
    doc = {"metadata": layout.meta, "kvStoreData": [orjson.loads(x) for x in layout.lines]}
    return json.dumps(doc, indent=2, ensure_ascii=False).encode()


def _categories(**changes: int) -> Callable[[Base], bytes]:
    def edit(layout: Layout3) -> None:
        layout.meta = {**layout.meta, "categories": {**layout.meta["categories"], **changes}}

    return v3_edit(edit, reseal=False)


def _v2_dup_nonadjacent(doc: dict[str, Any]) -> None:
    first = doc["kvStoreData"][0]
    doc["kvStoreData"].append({"key": first["key"], "value": {"id": "m1", "titleEn": "copy"}})


def _v2_meta(**changes: Any) -> Callable[[Base], bytes]:
    def edit(doc: dict[str, Any]) -> None:
        doc["metadata"].update(changes)

    return v2_edit(edit)


def _v2_trunc(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _replace_once(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def transform(data: bytes) -> bytes:
        assert data.count(old) >= 1, old
        return data.replace(old, new, 1)

    return transform


CASES: list[Case] = [
    # -- not a backup at all
    Case("empty", lambda b: b"", r"is empty"),
    Case("whitespace-only", lambda b: b"  \n\t\r\n   \n", r"holds only whitespace"),
    Case("not-json-text", lambda b: b"This is my movie list:\n- One\n- Two\n", r"not valid JSON"),
    Case("csv-text", lambda b: b"key,value\nmovie:m1,{}\n", r"not valid JSON"),
    Case("binary-random", lambda b: RANDOM_BYTES, r"not a JSON text file \(binary content\)"),
    Case("binary-png", lambda b: PNG, r"not a JSON text file \(binary content\)"),
    Case("bom-then-garbage", lambda b: b"\xef\xbb\xbfgarbage{", r"not valid JSON"),
    Case(
        "top-level-array",
        lambda b: v2_bytes([{"key": "movie:m1", "value": {}}]),
        r"expected a JSON object at the top, got an array",
    ),
    Case("top-level-null", lambda b: b"null", r"expected a JSON object at the top, got null"),
    Case("empty-object", lambda b: b"{}", r"no metadata"),
    # -- truncated 3.0.0 files
    Case("v3-truncated-in-metadata", v3_raw(lambda d: d[:200]), r"the file is truncated \(unexpected end of data"),
    Case("v3-truncated-mid-entry", v3_raw(cut_inside_line(3)), r"truncated or damaged at entry 3", (3, None)),
    Case("v3-truncated-mid-last-entry", v3_raw(cut_inside_line(6)), r"truncated or damaged at entry 6", (6, None)),
    Case("v3-truncated-after-entry-line", v3_raw(cut_after_line(4)), r"truncated after entry 4 \(no closing \]\}\)"),
    Case("v3-truncated-after-last-entry", v3_raw(cut_after_line(6)), r"truncated or damaged at entry 6", (6, None)),
    Case(
        "v3-truncated-before-entries",
        v3_raw(lambda d: d[: _line_start(d, 1)]),
        r"truncated before the first entry \(no closing \]\}\)",
    ),
    Case("v3-blank-line-between-entries", v3_raw(_replace_once(b",\n{", b",\n\n{")), r"damaged at entry 2", (2, None)),
    # -- structure
    Case("v2-missing-metadata", v2_edit(lambda d: {"kvStoreData": d["kvStoreData"]}), r"no metadata"),
    Case("v2-missing-kvStoreData", v2_edit(lambda d: {"metadata": d["metadata"]}), r"no kvStoreData list"),
    Case(
        "v2-kvStoreData-object",
        v2_edit(lambda d: {**d, "kvStoreData": {"movie:m1": {}}}),
        r"kvStoreData must be a list, got an object",
    ),
    Case("v2-kvStoreData-null", v2_edit(lambda d: {**d, "kvStoreData": None}), r"kvStoreData must be a list, got null"),
    Case(
        "v2-metadata-array",
        v2_edit(lambda d: {**d, "metadata": ["2.0.0"]}),
        r"metadata must be an object, got an array",
    ),
    Case(
        "v3-metadata-line-not-json",
        v3_raw(_replace_once(b'"format":"mvdb-backup"', b'"format":mvdb-backup')),
        r"metadata line is not valid JSON",
    ),
    # -- entries that are not {key, value}
    Case(
        "v3-entry-array",
        v3_set_line(3, orjson.dumps(["movie:m1", {"id": "m1"}])),
        r"expected an object with key and value, got an array",
        (3, None),
    ),
    Case(
        "v3-entry-string",
        v3_set_line(3, b'"movie:m1"'),
        r"expected an object with key and value, got a string",
        (3, None),
    ),
    Case(
        "v2-entry-array",
        v2_set_entry(2, ["movie:m2", {}]),
        r"expected an object with key and value, got an array",
        (2, None),
    ),
    Case(
        "v3-entry-missing-key", v3_set_line(3, orjson.dumps({"value": {"id": "m1"}})), r"the key is missing", (3, None)
    ),
    Case("v2-entry-missing-key", v2_set_entry(4, {"value": {"id": "x"}}), r"the key is missing", (4, None)),
    Case("v3-entry-missing-value", v3_set_line(3, orjson.dumps({"key": K[2]})), r"the value is missing", (3, K[2])),
    Case("v2-entry-missing-value", v2_set_entry(5, {"key": v2_key(5)}), r"the value is missing", (5, v2_key(5))),
    Case("v3-key-number", v3_set_line(3, line(42, {})), r"the key must be a string, got a number", (3, None)),
    Case("v3-key-null", v3_set_line(3, line(None, {})), r"the key must be a string, got null", (3, None)),
    Case(
        "v2-key-object",
        v2_set_entry(1, {"key": {"id": "m1"}, "value": {}}),
        r"the key must be a string, got an object",
        (1, None),
    ),
    Case("v3-key-empty", v3_set_line(1, line("", {})), r"the key is empty", (1, "")),
    Case("v2-key-empty", v2_set_entry(3, {"key": "", "value": {}}), r"the key is empty", (3, "")),
    Case(
        "v3-key-nul",
        v3_set_line(3, line("movie:m1\x00x", {})),
        r"the key contains a NUL character",
        (3, "movie:m1\x00x"),
    ),
    Case(
        "v2-key-nul",
        v2_set_entry(2, {"key": "movie:\x00m2", "value": {}}),
        r"the key contains a NUL character",
        (2, "movie:\x00m2"),
    ),
    Case(
        "v3-value-nul",
        v3_set_line(4, line(K[3], {"titleEn": "Tw\x00o"})),
        r"contains \\u0000, which PostgreSQL cannot store",
        (4, K[3]),
    ),
    Case(
        "v2-value-nul-nested",
        v2_set_entry(1, {"key": v2_key(1), "value": {"a": [{"b": "x\x00"}]}}),
        r"contains \\u0000",
        (1, v2_key(1)),
    ),
    Case(
        "v3-entry-extra-field",
        v3_set_line(3, orjson.dumps({"key": K[2], "value": {}, "note": "x"})),
        r"unexpected field\(s\) 'note'",
        (3, K[2]),
    ),
    Case(
        "v2-entry-extra-field",
        v2_set_entry(2, {"key": v2_key(2), "value": {}, "id": 1}),
        r"unexpected field\(s\) 'id'",
        (2, v2_key(2)),
    ),
    # -- keys: duplicates, order, encoding
    Case("v3-duplicate-key-adjacent", v3_edit(_dup_adjacent), r"duplicate key \(also at entry 3\)", (4, K[2])),
    Case(
        "v2-duplicate-key-nonadjacent",
        v2_edit(_v2_dup_nonadjacent),
        r"duplicate key \(also at entry 1\)",
        (7, v2_key(1)),
    ),
    Case("v3-unsorted-entries", v3_edit(_swap), r"not sorted by key", (4, K[2])),
    Case(
        "v3-lone-surrogate-key",
        v3_set_line(3, b'{"key":"movie:\\ud800","value":{}}'),
        r"not valid JSON \(.*surrogate",
        (3, None),
    ),
    Case(
        "v2-lone-surrogate-key",
        v2_text(_replace_once(b'"movie:m2"', b'"movie:\\udc00"')),
        r"not valid JSON \(.*surrogate",
    ),
    Case(
        "v3-invalid-utf8-in-line",
        v3_set_line(3, b'{"key":"movie:m1","value":{"titleJp":"\xe4\xb8"}}'),
        r"not valid UTF-8 text; save the file as UTF-8",
        (3, None),
    ),
    Case(
        "v2-invalid-utf8-latin1",
        v2_text(_replace_once("一つ".encode(), "Ein Schöner".encode("latin-1"))),
        r"not valid UTF-8 text \(byte 0xf6 on line \d+\); save the file as UTF-8",
    ),
    Case("v2-utf16", v2_text(lambda d: d.decode().encode("utf-16")), r"is UTF-16 text; save it as UTF-8"),
    # -- integrity: digest, counts
    Case("v3-bad-digest-value-edited", v3_edit(_edit_value, reseal=False), r"sha256 digest mismatch"),
    Case(
        "v3-bad-digest-entry-removed",
        v3_edit(lambda lay: lay.lines.pop(1), reseal=False),
        r"sha256 digest mismatch|totalItems",
    ),
    Case("v3-digest-wrong-format", v3_meta(sha256="ABC123"), r"metadata\['sha256'\]: 'ABC123' does not match"),
    Case("v3-digest-missing", v3_meta(sha256=DROP), r"'sha256' is a required property"),
    Case("v3-totalItems-mismatch", v3_meta(totalItems=7), r"metadata.totalItems is 7 but the file holds 6 entries"),
    Case(
        "v2-totalItems-mismatch", _v2_meta(totalItems=1000), r"metadata.totalItems is 1000 but the file holds 6 entries"
    ),
    Case(
        "v3-category-count-mismatch",
        _categories(movies=3),
        r"metadata.categories\['movies'\] is 3 but the file holds 2",
    ),
    Case("v3-category-unknown", _categories(bogus=1), r"unknown category 'bogus'"),
    Case(
        "v3-category-count-negative",
        _categories(movies=-2),
        r"metadata\['categories'\]\['movies'\]: -2 is less than the minimum of 0",
    ),
    # -- metadata types and versions
    Case("v3-totalItems-string", v3_meta(totalItems="6"), r"metadata\['totalItems'\]: '6' is not of type 'integer'"),
    Case("v2-totalItems-string", _v2_meta(totalItems="6"), r"metadata\['totalItems'\]: '6' is not of type 'integer'"),
    Case("v3-version-number", v3_meta(version=3), r"metadata\['version'\]: 3 is not of type 'string'"),
    Case(
        "v2-version-missing",
        v2_edit(lambda d: d["metadata"].__delitem__("version")),
        r"'version' is a required property",
    ),
    Case(
        "v3-version-unknown",
        v3_meta(version="9.0.0"),
        r"unsupported backup version '9.0.0': this tool reads versions 2.x and 3.0.0",
    ),
    Case("v3-version-3.1", v3_meta(version="3.1.0"), r"unsupported backup version '3.1.0'"),
    Case("v3-format-wrong", v3_meta(format="other-tool"), r"metadata\['format'\]"),
    Case("v3-timestamp-not-date", v3_meta(timestamp="yesterday afternoon"), r"metadata\['timestamp'\]"),
    Case(
        "v3-timestamp-impossible-date",
        v3_meta(timestamp="2024-02-30T10:00:00.000Z"),
        r"metadata\['timestamp'\]: '2024-02-30T10:00:00.000Z' is not a date and time",
    ),
    Case(
        "v3-timestamp-without-time-zone",
        v3_meta(timestamp="2024-05-01T10:00:00.000000"),
        r"metadata\['timestamp'\]: '2024-05-01T10:00:00.000000' is not a date and time .*time zone",
    ),
    # -- numbers PostgreSQL cannot store
    Case(
        "v3-number-too-large",
        v3_set_line(3, b'{"key":"movie:m1","value":{"id":"m1","rating":1e999999999}}'),
        r"the number 1e999999999 is too large for PostgreSQL \(more than 131072 digits before the decimal point\); "
        r"nothing was written",
        (3, K[2]),
    ),
    Case(
        "v3-number-too-precise",
        v3_set_line(4, b'{"key":"movie:m2","value":[1.5e-16383]}'),
        r"the number 1.5e-16383 is too precise for PostgreSQL \(more than 16383 digits after the decimal point\)",
        (4, K[3]),
    ),
    Case(
        "v2-number-too-large",
        v2_text(_replace_once(b'"tags": "a,b"', b'"tags": 1E+131072')),
        r"the number 1E\+131072 is too large for PostgreSQL",
        (1, v2_key(1)),
    ),
    # -- depth, trailing garbage, reformatting
    Case(
        "v3-deep-nesting-value",
        v3_set_line(3, b'{"key":"movie:m1","value":' + _deep(5000).encode() + b"}"),
        r"too deeply nested \(a value is nested more than 1,000 levels deep\)",
        (3, None),
    ),
    Case(
        "v2-deep-nesting-value",
        v2_text(_replace_once(b'"tags": "a,b"', b'"tags": ' + _deep(5000).encode())),
        r"the file is too deeply nested \(a value is nested more than 1,000",
    ),
    Case(
        "v3-trailing-garbage",
        v3_raw(lambda d: d + b'{"more": 1}\n'),
        r"unexpected content after the end of kvStoreData \(after entry 6\)",
    ),
    Case(
        "v2-trailing-garbage", v2_text(lambda d: d + b"\n]}\n"), r"not valid JSON \(unexpected content after document"
    ),
    Case("v2-truncated", v2_text(_v2_trunc), r"the file is truncated \(unexpected end of data"),
    Case("v3-reformatted-with-sha256", _pretty_v3, r"was reformatted .* use the file as the backup tool wrote it"),
]

SQLITE_SUBSET = {
    "empty",
    "binary-png",
    "v3-truncated-mid-entry",
    "v3-key-nul",
    "v3-value-nul",
    "v2-duplicate-key-nonadjacent",
    "v3-bad-digest-value-edited",
    "v3-deep-nesting-value",
    "v3-reformatted-with-sha256",
    "v2-missing-kvStoreData",
}

PREFIX = "invalid backup file: "
TRACEBACK = re.compile(r"Traceback|File \"|line \d+, in ")
