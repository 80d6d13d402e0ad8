"""The backup file: format 3.0.0 (a superset of the app's 2.0.0), written and read in streams.

Layout written (see docs/backup-format.md):

    {"metadata":{...},<spaces>
    "kvStoreData":[
    {"key":"a","value":...},
    ...
    {"key":"z","value":...}
    ]}

Metadata comes first but is only known at the end, so its line is reserved with spaces and
filled in last. `sha256` covers the entry lines exactly as written (the bytes from the first
entry line to the newline of the last), so any change to an entry, its order or the number of
entries is detected. Files are written to a temp name and linked into place at the end.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import cache
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from . import __version__
from .categories import CATEGORY_NAMES, add_sorted_counts, categorizer, empty_counts
from .errors import InvalidBackupError, UsageError
from .jsonvalue import compact, dumps, loads
from .stores.base import Row

FORMAT = "mvdb-backup"
VERSION = "3.0.0"
HEADER_RESERVE = 8192
_HEAD = b'{"metadata":'
_DATA_LINE = b'"kvStoreData":[\n'
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
MAX_DEPTH_HINT = "nested more than 1,000 levels deep"
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
# Entry lines are written as _FIRST key _AFTER_KEY value, then _BETWEEN key _AFTER_KEY value ...,
# then _LAST: the same bytes as `entry_line` joined with ",\n" and ending in a newline.
_FIRST = b'{"key":"'
_AFTER_KEY = b'","value":'
_BETWEEN = b'},\n{"key":"'
_LAST = b"}\n"
# Characters orjson escapes inside a JSON string (or refuses: lone surrogates).
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')
_RAW_KEY_ESCAPES = re.compile(rb"[\\\x00-\x1f]")


def default_name(today: date | None = None) -> str:
    return f"mvdb-backup-{(today or date.today()).isoformat()}.json"


def resolve_out_path(out: str | os.PathLike[str] | None, today: date | None = None) -> Path:
    """A file path as given, or a fresh default name inside a folder; never an existing file."""
    target = Path(out) if out else Path("backups")
    if str(out or "").endswith(os.sep) or target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        name = default_name(today)
        path = target / name
        n = 2
        while path.exists():
            path = target / name.replace(".json", f"-{n}.json")
            n += 1
        return path
    if target.exists():
        raise UsageError(f"{target} already exists; choose another --out (backups are never overwritten)")
    if not target.parent.exists():
        raise UsageError(f"folder {target.parent} does not exist; create it or choose another --out")
    return target


def entry_line(key: str, value: bytes) -> bytes:
    return b'{"key":' + orjson.dumps(key) + b',"value":' + value + b"}"


# --------------------------------------------------------------------------------------------
# Writing


class BackupWriter:
    """Stream rows into a new backup file; `commit()` makes it appear under its final name."""

    def __init__(self, path: Path, source: dict[str, Any], selected: Iterable[str] | None = None) -> None:
        self.path = Path(path)
        self.source = source
        self.selected = sorted(selected) if selected else None
        self.counts = empty_counts()
        self.total = 0
        self._hash = hashlib.sha256()
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        self._f: BinaryIO | None = None
        self._last: str | None = None

    def __enter__(self) -> BackupWriter:
        self._f = open(self._tmp, "wb")  # noqa: SIM115 - closed in commit/abort
        self._f.write(b" " * (HEADER_RESERVE - 1) + b"\n" + _DATA_LINE)
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None or self._f is not None:
            self.abort()

    def add(self, rows: list[Row]) -> None:
        """Append rows, which must come in strictly increasing key order.

        Works on the whole list at once (C-level joins, bisection for the counts): a backup is
        as fast as the store can deliver rows.
        """
        if not rows:
            return
        assert self._f is not None
        keys = [row[0] for row in rows]
        last = self._last
        if (last is not None and keys[0] <= last) or not all(map(operator.lt, keys, islice(keys, 1, None))):
            for key in keys:
                if last is not None and key <= last:
                    raise ValueError(f"rows out of order at key {key!r}")
                last = key
        self._last = keys[-1]
        add_sorted_counts(self.counts, keys)
        joined = "".join(keys)
        if _JSON_ESCAPED.search(joined) is None:  # the common case: a key's JSON is the key in quotes
            encoded = [k.encode() for k in keys]
        else:
            encoded = [orjson.dumps(k)[1:-1] for k in keys]
        n = len(rows)
        parts = [_BETWEEN, None, _AFTER_KEY, None] * n
        if not self.total:
            parts[0] = _FIRST
        parts[1::4] = encoded
        parts[3::4] = [row[1] for row in rows]
        chunk = b"".join(parts)  # type: ignore[arg-type]
        self._hash.update(chunk)  # the digest covers the entry lines exactly as written
        self._f.write(chunk)
        self.total += n

    def _section_digest(self) -> str:
        digest = self._hash.copy()
        if self.total:
            digest.update(_LAST)
        return digest.hexdigest()

    def metadata(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "createdBy": f"mvdb-backup {__version__}",
            "source": self.source,
            "sourceProjectId": self.source.get("projectId"),
            "totalItems": self.total,
            "categories": self.counts,
            "selectedCategories": self.selected,
            "sha256": self._section_digest(),
        }

    def commit(self) -> dict[str, Any]:
        """Finish the file, flush it to disk and link it under its final name (never overwriting)."""
        assert self._f is not None
        meta = self.metadata()
        head = _HEAD + orjson.dumps(meta) + b","
        f = self._f
        f.write(_LAST + b"]}\n" if self.total else b"]}\n")
        if len(head) < HEADER_RESERVE:
            f.seek(0)
            f.write(head)
        else:  # metadata larger than reserved: rewrite once (rare: a very long source description)
            f.close()
            _rewrite_with_head(self._tmp, head)
            f = self._f = open(self._tmp, "rb+")  # noqa: SIM115
        f.flush()
        os.fsync(f.fileno())
        f.close()
        self._f = None
        try:
            os.link(self._tmp, self.path)
        except FileExistsError:
            self._tmp.unlink()
            raise UsageError(f"{self.path} already exists; backups are never overwritten") from None
        except OSError:  # filesystems without hard links
            if self.path.exists():
                self._tmp.unlink()
                raise UsageError(f"{self.path} already exists; backups are never overwritten") from None
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink()
        return meta

    def abort(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
        self._tmp.unlink(missing_ok=True)


def _rewrite_with_head(tmp: Path, head: bytes) -> None:
    other = tmp.with_suffix(".rewrite")
    with open(tmp, "rb") as src, open(other, "wb") as dst:
        src.seek(HEADER_RESERVE)
        dst.write(head + b"\n")
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.replace(other, tmp)


# --------------------------------------------------------------------------------------------
# Reading and validation


@dataclass
class Summary:
    """What a full read of a file found."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=empty_counts)


@cache
def _schema_validator() -> Any:
    import jsonschema

    schema = json.loads((Path(__file__).parent / "schema" / "mvdb-backup.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_path() -> Path:
    return Path(__file__).parent / "schema" / "mvdb-backup.schema.json"


def _check_metadata(meta: Any) -> None:
    validator = _schema_validator()
    sub = {"$ref": "#/$defs/metadata", "$defs": validator.schema["$defs"]}
    err = next(iter(type(validator)(sub, format_checker=validator.format_checker).iter_errors(meta)), None)
    if err is not None:
        if list(err.absolute_path) == ["version"] and err.validator == "pattern":
            raise InvalidBackupError(
                f"invalid backup file: unsupported backup version {meta['version']!r}: this tool reads versions "
                f"2.x and {VERSION}; use a newer mvdb-backup to read it"
            )
        where = "metadata" + "".join(f"[{p!r}]" for p in err.absolute_path)
        raise InvalidBackupError(f"invalid backup file: {where}: {_short(err.message)}")


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _entry_error(index: int, key: Any, problem: str) -> InvalidBackupError:
    label = f"entry {index}" + (f" (key {_short(repr(key), 80)})" if isinstance(key, str) else "")
    return InvalidBackupError(f"invalid backup file: {label}: {problem}")


def _check_entry(index: int, entry: Any) -> tuple[str, Any]:
    """The schema's entry rule, written out for speed (the schema itself is checked on metadata)."""
    if not isinstance(entry, dict):
        raise _entry_error(index, None, f"expected an object with key and value, got {_json_type(entry)}")
    key = entry.get("key")
    if "key" not in entry:
        raise _entry_error(index, None, "the key is missing")
    if "value" not in entry:
        raise _entry_error(index, key, "the value is missing")
    if len(entry) != 2:
        extra = sorted(set(entry) - {"key", "value"})
        raise _entry_error(index, key, f"unexpected field(s) {', '.join(map(repr, extra))}")
    if not isinstance(key, str):
        raise _entry_error(index, None, f"the key must be a string, got {_json_type(key)}")
    if not key:
        raise _entry_error(index, key, "the key is empty")
    if "\x00" in key:
        raise _entry_error(index, key, "the key contains a NUL character")
    return key, entry["value"]


def _json_type(v: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number"
    )


def _json_problem(exc: Exception, text: bytes | None = None) -> str:
    """What is wrong, phrased to follow "the file is", "the metadata line is" or "entry N:"."""
    msg = str(exc)
    if "recursion" in msg.lower() or "depth limit" in msg:
        return f"too deeply nested (a value is {MAX_DEPTH_HINT})"
    if "not valid UTF-8" in msg:
        where = ""
        if text is not None:
            try:
                text.decode("utf-8")
            except UnicodeDecodeError as err:
                line = text.count(b"\n", 0, err.start) + 1
                where = f" (byte 0x{text[err.start]:02x} on line {line})"
        return f"not valid UTF-8 text{where}; save the file as UTF-8"
    if "unexpected end of data" in msg:
        return f"truncated ({_short(msg, 100)})"
    return f"not valid JSON ({_short(msg, 100)})"


class BackupFile:
    """A backup file opened for reading. `entries()` validates while it streams."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise UsageError(f"backup file {self.path} not found")
        if self.path.is_dir():
            raise UsageError(f"{self.path} is a folder, not a backup file")
        self.size = self.path.stat().st_size
        if self.size == 0:
            raise InvalidBackupError(f"invalid backup file: {self.path.name} is empty")
        self.metadata: dict[str, Any]
        self._legacy: list[tuple[str, Any, int]] | None = None  # (key, value, position in the file)
        self._validated: tuple[int, int, int] | None = None  # file identity after a full, valid read
        self._canonical = False  # every entry line in the writer's exact form (see _stream_trusted)
        self._needs_compact = True
        self._data_offset = 0
        with open(self.path, "rb") as f:
            first = f.readline(HEADER_RESERVE * 4)
            second = f.readline(len(_DATA_LINE) + 1)
            self._data_offset = f.tell()
        head = first.rstrip()
        if head.startswith(_HEAD) and head.endswith(b",") and second == _DATA_LINE:
            try:
                meta = orjson.loads(head[len(_HEAD) : -1])
            except orjson.JSONDecodeError as exc:
                raise InvalidBackupError(f"invalid backup file: the metadata line is {_json_problem(exc)}") from None
            _check_metadata(meta)
            self.metadata = meta
            self.streaming = True
        else:
            self.streaming = False
            self._load_whole()

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    @property
    def is_legacy(self) -> bool:
        return not self.version.startswith("3.")

    def _load_whole(self) -> None:
        """Files not in our line layout (the app's 2.0.0, or a reformatted file): parse at once."""
        data = self.path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            doc = loads(data)
        except ValueError as exc:
            if not data.strip():
                raise InvalidBackupError(f"invalid backup file: {self.path.name} holds only whitespace") from None
            sample = data[:4096]
            if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise InvalidBackupError(
                    f"invalid backup file: {self.path.name} is UTF-16 text; save it as UTF-8 and try again"
                ) from None
            if b"\x00" in sample or (not _looks_text(sample) and _CONTROL.search(sample)):
                raise InvalidBackupError(
                    f"invalid backup file: {self.path.name} is not a JSON text file (binary content)"
                ) from None
            raise InvalidBackupError(f"invalid backup file: the file is {_json_problem(exc, data)}") from None
        if not isinstance(doc, dict):
            raise InvalidBackupError(f"invalid backup file: expected a JSON object at the top, got {_json_type(doc)}")
        if "metadata" not in doc:
            raise InvalidBackupError("invalid backup file: no metadata (is this an MVDB backup?)")
        if "kvStoreData" not in doc:
            raise InvalidBackupError("invalid backup file: no kvStoreData list (is this an MVDB backup?)")
        meta, data_list = doc["metadata"], doc["kvStoreData"]
        if not isinstance(meta, dict):
            raise InvalidBackupError(f"invalid backup file: metadata must be an object, got {_json_type(meta)}")
        _check_metadata(meta)
        if not isinstance(data_list, list):
            raise InvalidBackupError(
                f"invalid backup file: kvStoreData must be a list, got {_json_type(data_list)}"
            )
        if meta.get("version") == VERSION and meta.get("sha256"):
            raise InvalidBackupError(
                "invalid backup file: this 3.0.0 file was reformatted (one entry per line expected), so its "
                "sha256 cannot be checked; restore the original file, or delete metadata.sha256 to accept it"
            )
        self.metadata = meta
        entries: list[tuple[str, Any]] = []
        for i, entry in enumerate(data_list, 1):
            entries.append(_check_entry(i, entry))
        order = sorted(range(len(entries)), key=lambda i: entries[i][0])
        for a, b in zip(order, order[1:]):
            if entries[a][0] == entries[b][0]:
                raise _entry_error(max(a, b) + 1, entries[b][0], f"duplicate key (also at entry {min(a, b) + 1})")
        self._legacy = [(entries[i][0], entries[i][1], i + 1) for i in order]

    def entries(self) -> Iterator[Row]:
        """Every entry as (key, compact JSON bytes) in key order; raises InvalidBackupError on any defect.

        The last checks (digest, totalItems, categories) run when the stream ends, so consume it
        fully before acting on what it returned.
        """
        return chain.from_iterable(self.pages())

    def pages(self) -> Iterator[list[Row]]:
        """`entries()` in lists of consecutive rows (a batch of lines each): the fast way to read."""
        counts = empty_counts()
        if self._legacy is not None:
            page: list[Row] = []
            for key, value, i in self._legacy:
                try:
                    raw = dumps(value)
                except (TypeError, ValueError) as exc:  # pragma: no cover - parsed JSON always dumps
                    raise _entry_error(i, key, f"value cannot be encoded ({exc})") from None
                _check_nul(i, key, raw)
                page.append((key, raw))
                if len(page) >= PAGE_ROWS:
                    add_sorted_counts(counts, [k for k, _ in page])
                    yield page
                    page = []
            if page:
                add_sorted_counts(counts, [k for k, _ in page])
                yield page
            total = len(self._legacy)
        elif self._canonical and self._validated == _file_id(self.path):
            yield from self._pages_trusted()
            return
        else:
            total = yield from _PageReader(self, counts).pages()
        self._check_totals(total, counts)
        self._validated = _file_id(self.path)

    def _check_digest(self, digest: Any) -> None:
        expected = self.metadata.get("sha256")
        if expected and digest.hexdigest() != expected:
            raise InvalidBackupError(
                "invalid backup file: sha256 digest mismatch: the entries were changed after the backup was "
                f"written (expected {expected[:12]}…, found {digest.hexdigest()[:12]}…)"
            )

    def _pages_trusted(self) -> Iterator[list[Row]]:
        """Re-read a file this object already validated: cut lines apart, parse nothing.

        Every line is in the writer's exact form `{"key":K,"value":V}`, and `,"value":` cannot
        occur inside the encoded key (its quotes are escaped). The digest is still checked.
        """
        digest = hashlib.sha256()
        needs_compact = self._needs_compact
        with open(self.path, "rb") as f:
            f.seek(self._data_offset)
            while lines := f.readlines(READ_BYTES):
                while lines and (not lines[-1].strip() or lines[-1].rstrip(b"\r\n") == b"]}"):
                    lines.pop()  # the end of the list (entry lines are never blank)
                if not lines:
                    continue
                digest.update(b"".join(lines))
                if not all(map(bytes.endswith, lines, repeat(_ENTRY_LINE_END))):  # the last entry, CR LF
                    lines = [_strip_entry_end(line) + _ENTRY_LINE_END[1:] for line in lines]
                quotes = list(map(bytes.find, lines, repeat(b'"'), repeat(len(_FIRST))))
                raw_keys = list(map(bytes.__getitem__, lines, map(slice, repeat(len(_FIRST)), quotes)))
                starts = map(operator.add, quotes, repeat(len(_AFTER_KEY)))
                if b"\\" not in b"".join(raw_keys):
                    keys = list(map(bytes.decode, raw_keys))
                else:  # escaped keys: the key's JSON ends where `,"value":` starts
                    ends = list(map(bytes.find, lines, repeat(b',"value":')))
                    keys = list(map(orjson.loads, map(bytes.__getitem__, lines, map(slice, repeat(7), ends))))
                    starts = map(operator.add, ends, repeat(len(b',"value":')))
                values = list(map(bytes.__getitem__, lines, map(slice, starts, repeat(-len(_ENTRY_LINE_END)))))
                if needs_compact:
                    values = list(map(compact, values))
                yield list(zip(keys, values))
        self._check_digest(digest)

    def _check_totals(self, total: int, counts: dict[str, int]) -> None:
        meta = self.metadata
        if "totalItems" in meta and meta["totalItems"] != total:
            raise InvalidBackupError(
                f"invalid backup file: metadata.totalItems is {meta['totalItems']} but the file holds "
                f"{total} entries (truncated or edited)"
            )
        declared = meta.get("categories")
        if isinstance(declared, dict) and not self.is_legacy:
            for name in set(declared) | {n for n, c in counts.items() if c}:
                if name not in CATEGORY_NAMES:
                    raise InvalidBackupError(f"invalid backup file: metadata.categories has unknown category {name!r}")
                if declared.get(name, 0) != counts[name]:
                    raise InvalidBackupError(
                        f"invalid backup file: metadata.categories[{name!r}] is {declared.get(name, 0)} but the file "
                        f"holds {counts[name]} such entries"
                    )

    def validate(self) -> Summary:
        """Read the whole file once; raise InvalidBackupError on the first defect."""
        summary = Summary()
        for page in self.pages():
            summary.total += len(page)
            add_sorted_counts(summary.counts, [key for key, _ in page])
        return summary


PAGE_ROWS = 1000
READ_BYTES = 1 << 17  # lines per batch: about 128 KB (larger batches fall out of the CPU caches)
_ENTRY_END = b",\n"
_ENTRY_LINE_END = b"},\n"


def _strip_entry_end(line: bytes) -> bytes:
    """An entry line without its comma and line end."""
    line = line.rstrip(b"\r\n")
    return line[:-1] if line[-1:] == b"," else line


class _PageReader:
    """One validating pass over a file in our line layout, a batch of lines at a time.

    A batch of plain entry lines is checked with C-level operations (`_fast`): the writer's
    exact form, keys cut out of the lines, each value parsed on its own, order, NUL. Anything
    unusual in a batch (the end of the list, escaped keys, whitespace, a defect) goes through
    `_slow`, line by line, which finds and names the exact entry at fault.
    """

    def __init__(self, backup: BackupFile, counts: dict[str, int]) -> None:
        self.backup = backup
        self.counts = counts
        self.digest = hashlib.sha256()
        self.index = 0
        self.last: str | None = None
        self.closed = False
        self.canonical = True
        self.needs_compact = False
        self.categorize = categorizer()

    def pages(self) -> Iterator[list[Row]]:
        with open(self.backup.path, "rb") as f:
            f.seek(self.backup._data_offset)
            while lines := f.readlines(READ_BYTES):
                plain = list(map(bytes.endswith, lines, repeat(_ENTRY_END)))
                cut = len(lines) if all(plain) else plain.index(False)
                page = self._fast(lines[:cut]) if cut and not self.closed else None
                if page is None:
                    page, cut = [], 0
                page += self._slow(lines[cut:], f)
                if page:
                    yield page
        if not self.closed:
            where = f"after entry {self.index}" if self.index else "before the first entry"
            raise InvalidBackupError(f"invalid backup file: the file is truncated {where} (no closing ]}})")
        self.backup._check_digest(self.digest)
        self.backup._canonical = self.canonical
        self.backup._needs_compact = self.needs_compact
        return self.index

    def _fast(self, lines: list[bytes]) -> list[Row] | None:
        """Entry lines `{"key":"K","value":V},` in the writer's exact form, or None to go line by line.

        Only the values are parsed, each on its own: a line of that form whose V parses as one
        JSON document is a valid entry with exactly that key and value. Changes no state unless
        the whole batch passes.
        """
        block = b"".join(lines)
        if b"\t" in block or b"\r" in block or b"u0000" in block:
            return None
        # The key ends at the first quote after `{"key":"`; an escaped one fails the next check.
        quotes = list(map(bytes.find, lines, repeat(b'"'), repeat(len(_FIRST))))
        if (
            not all(map(bytes.startswith, lines, repeat(_FIRST)))
            or not all(map(bytes.startswith, lines, repeat(_AFTER_KEY), quotes))
            or not all(map(bytes.endswith, lines, repeat(_ENTRY_LINE_END)))
        ):
            return None
        raw_keys = list(map(bytes.__getitem__, lines, map(slice, repeat(len(_FIRST)), quotes)))
        if b"" in raw_keys or _RAW_KEY_ESCAPES.search(b"".join(raw_keys)) is not None:
            return None  # empty keys, escapes and control characters: the slow path says what it is
        starts = map(operator.add, quotes, repeat(len(_AFTER_KEY)))
        values = list(map(bytes.__getitem__, lines, map(slice, starts, repeat(-len(_ENTRY_LINE_END)))))
        try:
            keys = list(map(bytes.decode, raw_keys))
            deque(map(orjson.loads, values), maxlen=0)  # each must be exactly one JSON value
        except (UnicodeDecodeError, orjson.JSONDecodeError):
            return None
        last = self.last
        if (last is not None and keys[0] <= last) or not all(map(operator.lt, keys, islice(keys, 1, None))):
            return None
        self.digest.update(block)
        self.index += len(lines)
        self.last = keys[-1]
        add_sorted_counts(self.counts, keys)
        return list(zip(keys, values))

    def _slow(self, lines: list[bytes], f: BinaryIO) -> list[Row]:
        page: list[Row] = []
        for i, line in enumerate(lines):
            if self.closed:
                if line.strip():
                    raise InvalidBackupError(
                        "invalid backup file: unexpected content after the end of kvStoreData "
                        f"(after entry {self.index})"
                    )
                continue
            body = line.rstrip(b"\r\n")
            if body == b"]}":
                self.closed = True
                continue
            self.index += 1
            if body.endswith(b","):
                body = body[:-1]
            else:
                following = lines[i + 1] if i + 1 < len(lines) else _peek_line(f)
                if not line.endswith(b"\n") or following.rstrip(b"\r\n") != b"]}":
                    raise InvalidBackupError(
                        f"invalid backup file: the file is truncated or damaged at entry {self.index} "
                        "(expected a comma or the end of the list)"
                    )
            self.digest.update(line)
            page.append(self._entry(body))
        return page

    def _entry(self, body: bytes) -> Row:
        index = self.index
        try:
            entry = loads(body)
        except ValueError as exc:
            raise _entry_error(index, None, _json_problem(exc)) from None
        key, value = _check_entry(index, entry)
        last = self.last
        if last is not None and key <= last:
            if key == last:
                raise _entry_error(index, key, f"duplicate key (also at entry {index - 1})")
            raise _entry_error(index, key, "entries are not sorted by key (the file was edited)")
        self.last = key
        prefix = b'{"key":' + orjson.dumps(key) + b',"value":'
        raw = body[len(prefix) : -1]
        if body.startswith(prefix) and body.endswith(b"}") and _is_one_value(raw):
            if b"\t" in raw or b"\r" in raw:  # JSON whitespace a COPY stream must not see
                raw = compact(raw)
                self.needs_compact = True
        else:
            raw = dumps(value)
            self.canonical = False
        _check_nul(index, key, raw)
        self.counts[self.categorize(key)] += 1
        return key, raw


def _is_one_value(text: bytes) -> bool:
    """`text` is exactly one JSON value (the text after `"value":` can hold more members)."""
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            json.loads(text, parse_float=Decimal)  # numbers beyond a double's range
        except ValueError:
            return False
    return True


def _peek_line(f: BinaryIO) -> bytes:
    pos = f.tell()
    line = f.readline()
    f.seek(pos)
    return line


def _file_id(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _check_nul(index: int, key: str, raw: bytes) -> None:
    if b"u0000" in raw and _NUL_ESCAPE.search(raw):
        raise _entry_error(index, key, "a string in the value contains \\u0000, which PostgreSQL cannot store")


def _looks_text(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # a character cut at the sample's end is fine
    return True
