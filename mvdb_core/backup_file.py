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

Reading a file in this layout is one tokenizer (`_tokenize`: lines to key and raw value text,
the layout and the digest) and one validator (`_Validator`: the value is one JSON value
PostgreSQL can store, keys, order, counts). Files in any other layout (the app's 2.0.0) are
read as a stream of JSON events (`_Legacy`), their values spilled to a temporary file while
the keys are sorted, so memory depends on the largest value, not on the file.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import io
import json
import operator
import os
import re
import secrets
import struct
import tempfile
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import cache, partial
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import ijson
import orjson

from . import __version__
from .categories import CATEGORY_NAMES, add_sorted_counts, empty_counts
from .errors import DiskFullError, InvalidBackupError, UsageError
from .jsonvalue import compact, dumps, loads, lone_surrogate, postgres_number_problem, postgres_number_range
from .keys import Keys
from .sealing import decode_file, layer_of, private_folder, seal_file
from .stores.base import Row
from .stores.sorting import external_sort
from .stores.sorting import pages as row_pages

FORMAT = "mvdb-backup"
VERSION = "3.0.0"
HEADER_RESERVE = 8192
_HEAD = b'{"metadata":'
_DATA_LINE = b'"kvStoreData":[\n'
_BOM = b"\xef\xbb\xbf"
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
MAX_DEPTH = 1024  # what orjson parses, and so the deepest value a 3.0.0 line can hold
MAX_DEPTH_HINT = "nested more than 1,000 levels deep"
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
# Entry lines are written as _FIRST key _AFTER_KEY value, then _BETWEEN key _AFTER_KEY value ...,
# then _LAST: entries `{"key":K,"value":V}` joined with ",\n" and ending in a newline.
_FIRST = b'{"key":"'
_AFTER_KEY = b'","value":'
_BETWEEN = b'},\n{"key":"'
_LAST = b"}\n"
_ENTRY_END = b"},\n"
_BOUNDARY = b'},\n{"key":"'
# Characters orjson escapes inside a JSON string (or refuses: lone surrogates).
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
# `.NAME.PID.partial`, the writer's temp file (and `.NAME.PID.rewrite`, its rare second copy).
# `.NAME.PID.tTOKEN.partial` (older runs wrote no token): the `t` keeps a token of digits from reading as a PID.
_PARTIAL = re.compile(r"\.(.+)\.([0-9]+)(?:\.t[0-9a-f]{8})?\.(?:partial|rewrite)")
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS})


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_name(today: date | None = None) -> str:
    return f"mvdb-backup-{(today or date.today()).isoformat()}.json"


def resolve_out_path(out: str | os.PathLike[str] | None, today: date | None = None, suffix: str = "") -> Path:
    """A file path as given, or a fresh default name (ending in `suffix`) inside a folder; never an existing file."""
    target = Path(out) if out else Path("backups")
    if str(out or "").endswith(os.sep) or target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        name = default_name(today)
        path = target / (name + suffix)
        n = 2
        while path.exists():
            path = target / (name.replace(".json", f"-{n}.json") + suffix)
            n += 1
        return path
    if target.exists():
        raise UsageError(f"{target} already exists; choose another --out (backups are never overwritten)")
    if not target.parent.exists():
        raise UsageError(f"folder {target.parent} does not exist; create it or choose another --out")
    return target


# --------------------------------------------------------------------------------------------
# Writing


class BackupWriter:
    """Stream rows into a new backup file; `commit()` makes it appear under its final name.

    Starting one removes the partial files that killed backups left in the same folder; they
    are listed in `removed_partials` so that callers can say so.
    """

    def __init__(
        self, path: Path, source: dict[str, Any], selected: Iterable[str] | None = None, timestamp: str | None = None
    ) -> None:
        """`timestamp` (ISO 8601) records another time than now: a snapshot's, when one is exported."""
        self.path = Path(path)
        self.source = source
        self.timestamp = timestamp
        self.selected = sorted(selected) if selected else None
        self.counts = empty_counts()
        self.total = 0
        self.removed_partials: list[Path] = []
        self._hash = hashlib.sha256()
        # The PID says whose file it is (stale ones are removed), the token keeps two writers of one
        # process (two dashboard sessions) apart.
        self._tmp = partial_path(self.path)
        self._f: BinaryIO | None = None
        self._last: str | None = None

    def __enter__(self) -> BackupWriter:
        self.removed_partials = _remove_stale_partials(self.path.parent)
        try:
            self._f = open(self._tmp, "xb")  # closed in commit/abort
            self._f.write(b" " * (HEADER_RESERVE - 1) + b"\n" + _DATA_LINE)
        except OSError as exc:
            self._failed(exc)
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
        try:
            self._f.write(chunk)
        except OSError as exc:
            self._failed(exc)
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
            "timestamp": self.timestamp or utc_now(),
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
        try:
            self._finish(_HEAD + orjson.dumps(meta) + b",")
            publish(self._tmp, self.path)
        except OSError as exc:
            self._failed(exc)
        return meta

    def _finish(self, head: bytes) -> None:
        f = self._f
        assert f is not None
        f.write(_LAST + b"]}\n" if self.total else b"]}\n")
        if len(head) < HEADER_RESERVE:
            f.seek(0)
            f.write(head)
        else:  # metadata larger than reserved: rewrite once (rare: a very long source description)
            f.close()
            _rewrite_with_head(self._tmp, head)
            f = self._f = open(self._tmp, "rb+")
        f.flush()
        os.fsync(f.fileno())
        f.close()
        self._f = None

    def _failed(self, exc: OSError) -> None:
        """Remove the partial file; a full disk becomes a DiskFullError, anything else goes on as it was."""
        self.abort()
        raise disk_full_error(exc, self.path) or exc

    def abort(self) -> None:
        if self._f is not None:
            f, self._f = self._f, None
            try:
                f.close()
            except OSError:  # the buffer could not be flushed (a full disk): the file goes anyway
                pass
        self._tmp.unlink(missing_ok=True)
        self._tmp.with_suffix(".rewrite").unlink(missing_ok=True)


def partial_path(path: Path, what: str = "") -> Path:
    """A hidden temp name beside `path`: the PID says whose it is (stale ones are removed), the token
    keeps two writers of one process apart."""
    middle = f".{what}" if what else ""
    return path.with_name(f".{path.name}{middle}.{os.getpid()}.t{secrets.token_hex(4)}.partial")


@contextmanager
def new_file(path: Path, durable: bool = True) -> Iterator[BinaryIO]:
    """Write a file that appears under `path` only when complete (flushed to disk unless not `durable`).

    Never replaces a file; a failure leaves nothing behind, and a full disk becomes a DiskFullError.
    """
    tmp = partial_path(path)
    try:
        with open(tmp, "xb") as f:
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        publish(tmp, path)
    except OSError as exc:
        raise disk_full_error(exc, path) or exc from None
    finally:
        tmp.unlink(missing_ok=True)


def pack_file(plain: Path, path: Path, compression: str | None, keys: Keys) -> None:
    """Compress and/or encrypt a finished plain file into a new file at `path` (appears only when complete)."""
    with new_file(path) as f:
        seal_file(plain, f, compression, keys, partial_path(path, "middle"))


def disk_full_error(exc: OSError, path: Path) -> DiskFullError | None:
    """The error to show when writing `path` ran out of space (None for any other failure)."""
    if exc.errno not in _DISK_FULL:
        return None
    what = "no space left" if exc.errno == errno.ENOSPC else "the disk quota is used up"
    return DiskFullError(
        f"the disk is full: {what} in {path.parent} while writing {path.name}; nothing was written "
        "(the partial file was removed); free some space or write to another folder"
    )


def publish(tmp: Path, final: Path) -> None:
    """Give a finished, flushed temp file its final name without ever replacing a file; the temp name goes.

    A hard link does it atomically; on a filesystem without them, a check and a rename.
    """
    try:
        try:
            os.link(tmp, final)
        except FileExistsError:
            raise UsageError(f"{final} already exists; files are never overwritten: choose another name") from None
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            if final.exists():
                raise UsageError(f"{final} already exists; files are never overwritten: choose another name") from None
            os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _rewrite_with_head(tmp: Path, head: bytes) -> None:
    other = tmp.with_suffix(".rewrite")
    with open(tmp, "rb") as src, open(other, "wb") as dst:
        src.seek(HEADER_RESERVE)
        dst.write(head + b"\n")
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.replace(other, tmp)


def _remove_stale_partials(folder: Path) -> list[Path]:
    """Remove the writer's temp files in `folder` whose process is gone; return them.

    A killed backup leaves `.NAME.PID.partial`. Only names of exactly that form are touched,
    and only when no process with that PID exists: a running backup's file always stays.
    """
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    removed = []
    for name in names:
        match = _PARTIAL.fullmatch(name)
        if match is None or _process_exists(int(match.group(2))):
            continue
        path = folder / name
        try:
            path.unlink()
        except OSError:  # removed by another writer meanwhile, or not ours to remove
            continue
        removed.append(path)
    return removed


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process id we write: leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process, or not a pid at all
        return True
    return True


# --------------------------------------------------------------------------------------------
# Reading: common checks and messages


@dataclass
class Summary:
    """What a full read of a file found."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=empty_counts)


@cache
def _schema_validator() -> Any:
    import jsonschema

    schema = json.loads(schema_path().read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_path() -> Path:
    return Path(__file__).parent / "schema" / "mvdb-backup.schema.json"


def _check_metadata(meta: Any) -> None:
    if isinstance(meta, dict):
        _check_timestamp(meta)  # first: jsonschema checks the format only when an extra package is installed
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


def _check_timestamp(meta: dict[str, Any]) -> None:
    """The schema's `date-time` format, which jsonschema only checks with an extra package."""
    stamp = meta.get("timestamp")
    if meta.get("version") != VERSION or not isinstance(stamp, str):
        return
    try:
        parsed = datetime.fromisoformat(stamp[:-1] + "+00:00" if stamp[-1:] in ("Z", "z") else stamp)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or stamp[10:11] not in ("T", "t"):
        raise InvalidBackupError(
            f"invalid backup file: metadata['timestamp']: {_short(repr(stamp), 60)} is not a date and time with a "
            "time zone (ISO 8601, e.g. 2024-05-01T10:00:00.000Z)"
        )


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _entry_error(index: int, key: Any, problem: str) -> InvalidBackupError:
    label = f"entry {index}" + (f" (key {_short(repr(key), 80)})" if isinstance(key, str) else "")
    return InvalidBackupError(f"invalid backup file: {label}: {problem}")


def _check_entry(index: int, names: Collection[str], key: Any) -> str:
    """The schema's entry rule, written out for speed: exactly a key and a value, the key a string."""
    if "key" not in names:
        raise _entry_error(index, None, "the key is missing")
    if "value" not in names:
        raise _entry_error(index, key, "the value is missing")
    extra = sorted(set(names) - {"key", "value"})
    if extra:
        raise _entry_error(index, key, f"unexpected field(s) {', '.join(map(repr, extra))}")
    if not isinstance(key, str):
        raise _entry_error(index, None, f"the key must be a string, got {_json_type(key)}")
    return key


def _check_keys(keys: list[str], first: int) -> None:
    """Keys of consecutive entries (the first is entry `first`): not empty, no NUL."""
    if "" in keys:
        raise _entry_error(first + keys.index(""), "", "the key is empty")
    if "\x00" in "".join(keys):
        i = next(i for i, key in enumerate(keys) if "\x00" in key)
        raise _entry_error(first + i, keys[i], "the key contains a NUL character")


def _json_type(v: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number"
    )


def _json_problem(exc: Exception) -> str:
    """What is wrong, phrased to follow "the file is", "the metadata line is" or "entry N:"."""
    msg = str(exc)
    if "recursion" in msg.lower() or "depth limit" in msg:
        return f"too deeply nested (a value is {MAX_DEPTH_HINT})"
    if "not valid UTF-8" in msg:
        return "not valid UTF-8 text; save the file as UTF-8"
    if "unexpected end of data" in msg:
        return f"truncated ({_short(msg, 100)})"
    return f"not valid JSON ({_short(msg, 100)})"


def _value_problem(raw: bytes) -> str | None:
    """Why `raw` is not exactly one JSON value, or None when it is (numbers of any size)."""
    try:
        loads(raw)
    except (ValueError, RecursionError) as exc:
        return _json_problem(exc)
    return None


_NUL_PROBLEM = "a string in the value contains \\u0000, which PostgreSQL cannot store"


def _check_nul(index: int, key: str, raw: bytes) -> None:
    if b"u0000" in raw and _NUL_ESCAPE.search(raw):
        raise _entry_error(index, key, _NUL_PROBLEM)


def _check_number(index: int, key: str, problem: str | None) -> None:
    if problem is not None:
        raise _entry_error(index, key, f"{problem}; nothing was written")


def _looks_text(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # a character cut at the sample's end is fine
    return True


def _file_id(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


# --------------------------------------------------------------------------------------------
# The backup file


class BackupFile:
    """A backup file opened for reading. `entries()` validates while it streams."""

    def __init__(self, path: str | os.PathLike[str], keys: Keys | None = None, check_metadata: bool = True) -> None:
        """`keys` decrypt an age-encrypted file; a compressed or encrypted file is read from a private plain copy.

        Without `check_metadata` the metadata line is only parsed, not held to the schema (a search
        of the entries does not need it, and loading the schema checker takes longer than a small search).
        """
        self.path = Path(path)
        if not self.path.exists():
            raise UsageError(f"backup file {self.path} not found")
        if self.path.is_dir():
            raise UsageError(f"{self.path} is a folder, not a backup file")
        if self.path.stat().st_size == 0:
            raise InvalidBackupError(f"invalid backup file: {self.path.name} is empty")
        self._data = self.path  # what is read: the file itself, or its decoded copy
        self._work: tempfile.TemporaryDirectory[str] | None = None
        with open(self.path, "rb") as f:
            self.layers = layer_of(f.read(64))
        if self.layers is not None:
            self._work = private_folder()
            self._data = decode_file(self.path, keys or Keys(), Path(self._work.name))
            if self._data.stat().st_size == 0:
                raise InvalidBackupError(f"invalid backup file: {self.path.name} holds an empty file")
        self.metadata: dict[str, Any]
        self._validated: tuple[int, int, int] | None = None  # file identity after a full, valid read
        self._reread_ok = False  # that read cut every value from its line as is: a re-read may skip the checks
        self._sorted: BinaryIO | None = None  # a 2.x file's checked entries in key order, after a full read
        with open(self._data, "rb") as f:
            first = f.readline(HEADER_RESERVE * 4)
            if first.startswith(_BOM):  # a UTF-8 byte order mark (Windows editors): not part of the JSON
                first = first[len(_BOM) :]
            second = f.readline(len(_DATA_LINE) + 1)
            self._data_offset = f.tell()
        head = first.rstrip()
        self._lines = head.startswith(_HEAD) and head.endswith(b",") and second.rstrip(b"\r\n") == _DATA_LINE[:-1]
        if self._lines:
            try:
                meta = orjson.loads(head[len(_HEAD) : -1])
            except orjson.JSONDecodeError as exc:
                raise InvalidBackupError(f"invalid backup file: the metadata line is {_json_problem(exc)}") from None
            if check_metadata or not isinstance(meta, dict):
                _check_metadata(meta)
            self.metadata = meta
            self._lines = self.version.startswith("3.")  # a 2.x file in this layout is still read as 2.x
        if not self._lines:
            self.metadata = _Legacy(self._data).metadata()

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", ""))

    @property
    def is_legacy(self) -> bool:
        return not self.version.startswith("3.")

    def check_unchanged(self) -> None:
        """Refuse to go on when the file changed since it was last read in full (what was planned no longer holds).

        A restore reads the file once to plan and once to write; a file replaced in between must not
        be written by the first pass's decisions.
        """
        if self._validated is not None and self._validated != _file_id(self.path):
            raise InvalidBackupError(
                f"invalid backup file: {self.path.name} changed while it was being restored; nothing more was "
                "written; restore it again once nothing is writing to it"
            )

    def entries(self) -> Iterator[Row]:
        """Every entry as (key, compact JSON bytes) in key order; raises InvalidBackupError on any defect.

        The last checks (digest, totalItems, categories) run when the stream ends, so consume it
        fully before acting on what it returned.
        """
        return chain.from_iterable(self.pages())

    def pages(self) -> Iterator[list[Row]]:
        """`entries()` in lists of consecutive rows (a batch of lines each): the fast way to read."""
        if not self._lines:
            yield from self._legacy_pages()
            return
        digest = hashlib.sha256()
        if self._reread_ok and self._validated == _file_id(self.path):
            for batch in _tokenize(self._data, self._data_offset, digest):
                yield list(zip(batch.keys, batch.values))
            self._check_digest(digest)
            return
        validator = _Validator()
        for batch in _tokenize(self._data, self._data_offset, digest):
            yield validator.rows(batch)
        self._check_digest(digest)
        self._check_totals(validator.total, validator.counts)
        self._validated = _file_id(self.path)
        self._reread_ok = validator.as_cut

    def _legacy_pages(self) -> Iterator[list[Row]]:
        """A 2.x file: parsed and sorted once; later reads by this object come from the sorted copy."""
        if self._sorted is not None and self._validated == _file_id(self.path):
            yield from _read_records(self._sorted)
            return
        self._sorted = None
        copy = tempfile.TemporaryFile()
        try:
            total = 0
            for page in _Legacy(self._data).pages():
                _write_records(copy, page)
                total += len(page)
                yield page
            self._check_totals(total, empty_counts())
        except BaseException:  # a defect, or the reader stopped early: no copy to trust
            copy.close()
            raise
        copy.flush()
        self._sorted = copy
        self._validated = _file_id(self.path)

    def _check_digest(self, digest: Any) -> None:
        expected = self.metadata.get("sha256")
        if expected and digest.hexdigest() != expected:
            raise InvalidBackupError(
                "invalid backup file: sha256 digest mismatch: the entries were changed after the backup was "
                f"written (expected {expected[:12]}…, found {digest.hexdigest()[:12]}…)"
            )

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

    # -- looking inside: for display; `entries()` is what checks the whole file ----------------

    @property
    def has_lines(self) -> bool:
        """One entry per line in key order (our layout): `entry_chunks` works and `rows_between` seeks."""
        return self._lines

    seekable = True
    """The entry lines are in one local file (`entry_span`), which a search may split between processes."""

    def entry_span(self, start: str | None = None, stop: str | None = None) -> tuple[Path, int, int]:
        """(file, from, to): the bytes of the lines whose keys are in [start, stop), found by bisection (the
        lines are sorted). Only for `has_lines` files."""
        if not self._lines:
            raise UsageError(f"{self.path.name} is a 2.x backup file, which has no entry lines to scan")
        with open(self._data, "rb") as f:
            f.seek(max(f.seek(0, os.SEEK_END) - 4096, 0))
            if not f.read().rstrip().endswith(b"\n]}"):  # a search reads no further than it must: check the end
                raise InvalidBackupError(f"invalid backup file: {self.path.name} is truncated (it does not end with "
                                         "the ]} that closes the entries); use a whole file")
            lo = _line_at(f, self._data_offset, start) if start else self._data_offset
            hi = _line_at(f, lo, stop) if stop else f.seek(0, os.SEEK_END)
        return self._data, lo, hi

    def entry_chunks(self, start: str | None = None, stop: str | None = None) -> Iterator[bytes]:
        """The entry lines of keys in [start, stop) as stored, whole lines in chunks (a search scans bytes)."""
        return chunks_of(*self.entry_span(start, stop))

    def rows_between(self, start: str, stop: str | None = None) -> Iterator[Row]:
        """Rows with start <= key < stop in key order; in our layout without reading what comes before."""
        if not self.has_lines:
            for key, value in self.entries():
                if stop is not None and key >= stop:
                    return
                if key >= start:
                    yield key, value
            return
        for chunk in self.entry_chunks(start, stop):
            for line in chunk.splitlines():
                row = parse_entry_line(line)
                if row is None or (stop is not None and row[0] >= stop):
                    return
                if row[0] >= start:
                    yield row


# Measured on 730 MB: up to about 200 KB a read reuses memory the C library keeps; from 256 KB each read
# takes fresh pages from the kernel (130,000 page faults), 2-4x slower.
SCAN_BYTES = 120 << 10


def chunks_of(path: Path, lo: int, hi: int) -> Iterator[bytes]:
    """The whole lines from byte `lo` (a line start) to `hi` (one too), about SCAN_BYTES at a time."""
    with open(path, "rb", buffering=0) as f:
        f.seek(lo)
        while lo < hi and (data := f.read(min(SCAN_BYTES, hi - lo))):
            end = data.rfind(b"\n") + 1
            if end == 0 and lo + len(data) < hi:  # a line longer than a chunk: on to its end
                at = f.tell()
                more = _bytes_to_newline(f)
                f.seek(at)
                data += f.read(more)
            elif 0 < end < len(data):
                data = data[:end]
                f.seek(lo + end)
            lo += len(data)
            yield data


def split_span(path: Path, lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """[lo, hi) cut into about equal spans at line starts."""
    cuts = [lo]
    with open(path, "rb") as f:
        for k in range(1, parts):
            f.seek(max(lo + (hi - lo) * k // parts - 1, cuts[-1]))
            f.readline()
            cuts.append(min(max(f.tell(), cuts[-1]), hi))
    cuts.append(hi)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]


def parse_entry_line(line: bytes) -> Row | None:
    """One entry line of our layout as (key, value); None for the `]}` line that ends the entries."""
    body = line.rstrip(b"\r\n")
    if body.endswith(b","):
        body = body[:-1]
    return _parse_line(body, 0) if body.startswith(b"{") else None


def _line_key(line: bytes) -> str | None:
    row = parse_entry_line(line) if line else None
    return row[0] if row else None


def _line_at(f: BinaryIO, first: int, key: str) -> int:
    """Where the first entry line whose key is >= `key` starts, by bisection over the bytes from `first`.

    `lo` is always the start of a line whose key is < `key` (or `first`); the last stretch is read line by line.
    """
    lo, hi = first, f.seek(0, os.SEEK_END)
    while hi - lo > (1 << 16):
        mid = (lo + hi) // 2
        f.seek(mid - 1)
        f.readline()  # to the start of the first line at or after mid
        at = f.tell()
        found = _line_key(f.readline())
        if found is not None and found < key:
            lo = at
        else:
            hi = mid
    f.seek(lo)
    while True:
        at = f.tell()
        found = _line_key(f.readline())
        if found is None or found >= key:
            return at


# --------------------------------------------------------------------------------------------
# Our line layout: one tokenizer, one validator

PAGE_ROWS = 1000
READ_BYTES = 1 << 17  # a batch: about 128 KB of lines (larger batches fall out of the CPU caches)
BIG_VALUE = 1 << 20  # values this long are checked without building their object tree
_PARSE_CHUNK = 4 << 20  # the streaming parser re-reads a token cut by a chunk's end: big chunks keep that cheap
_PIECE = 1 << 20  # a long string is checked or encoded a piece at a time
_LONG_DIGITS = 16384  # a number can only have more than 16383 digits after its point in a value this long
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
# A minus right after a digit and an e or E: a negative exponent (a literal first keeps the search fast).
_NEGATIVE_EXPONENT = re.compile(rb"-(?<=[0-9][eE]-)")


class _Batch(NamedTuple):
    """Consecutive entries: entry `first + i` has key `keys[i]` and value `values[i]`, on line `first + i + 2`."""

    keys: list[str]
    values: list[bytes]
    first: int
    lines: list[bytes] | None
    """The lines, when the values were cut from them without parsing (to re-read an odd one)."""
    text: bytes
    """Bytes that hold every value of the batch (for quick scans)."""


def _tokenize(path: Path, offset: int, digest: Any) -> Iterator[_Batch]:
    """The entry section of a file in our layout, from `offset`: see tokenize_lines."""
    with open(path, "rb") as f:
        f.seek(offset)
        yield from tokenize_lines(_line_batches(f), partial(_peek_line, f), digest)


def tokenize_lines(batches: Iterable[tuple[list[bytes], bytes]], peek: Callable[[], bytes], digest: Any
                   ) -> Iterator[_Batch]:
    """Cut an entry section (whole lines in batches, and `peek()` the line after the last batch) into keys and
    raw value text, checking the layout. A repository's snapshot is read through this too.

    One entry per line, a comma after each but the last, then `]}` and nothing but blank lines.
    Lines in the writer's exact form `{"key":"K","value":V},` with a plain K are cut apart
    without parsing, a batch at a time; any other line is parsed on its own. The digest is
    fed the entry lines exactly as stored. The values are not checked here (see _Validator).
    """
    index = 0  # entries so far
    comma = False  # the last entry line ended with a comma
    closed = False  # the `]}` line was seen
    for lines, text in batches:
        if closed:
            if text.strip():
                raise InvalidBackupError(
                    f"invalid backup file: unexpected content after the end of kvStoreData (after entry {index})"
                )
            continue
        if lines[-1].endswith(b",\n") and b"\r" not in text and b"\t" not in text:
            cut = _cut(lines, text)
            if cut is not None:
                digest.update(text)
                yield _Batch(cut[0], cut[1], index + 1, lines, text)
                index += len(lines)
                comma = True
                continue
        keys: list[str] = []
        values: list[bytes] = []
        first = index + 1
        for i, line in enumerate(lines):
            body = line.rstrip(b"\r\n")
            if closed:
                if body.strip():
                    raise InvalidBackupError(
                        "invalid backup file: unexpected content after the end of kvStoreData "
                        f"(after entry {index})"
                    )
                continue
            if body == b"]}":
                if comma:
                    raise _entry_error(index, None, "a comma follows the last entry, which is not JSON")
                closed = True
                continue
            index += 1
            comma = body.endswith(b",")
            if comma:
                body = body[:-1]
            else:  # the last entry: its line ends and the end of the list follows
                following = lines[i + 1] if i + 1 < len(lines) else peek()
                if not line.endswith(b"\n") or following.rstrip(b"\r\n") != b"]}":
                    raise InvalidBackupError(
                        f"invalid backup file: the file is truncated or damaged at entry {index} "
                        "(expected a comma or the end of the list)"
                    )
            digest.update(line)
            key, value = _parse_line(body, index)
            keys.append(key)
            values.append(value)
        if keys:
            yield _Batch(keys, values, first, None, b"".join(values))
    if not closed:
        where = f"after entry {index}" if index else "before the first entry"
        raise InvalidBackupError(f"invalid backup file: the file is truncated {where} (no closing ]}})")


def _line_batches(f: BinaryIO) -> Iterator[tuple[list[bytes], bytes]]:
    """Whole lines (with their newlines), about READ_BYTES at a time, and the bytes they came from.

    A line longer than that comes alone, read at its exact length so that it is in memory
    once (reading it line by line would hold it twice while joining its parts).
    """
    while data := f.read(READ_BYTES):
        end = data.rfind(b"\n") + 1
        if not end and len(data) == READ_BYTES:  # one long line
            start = f.tell() - len(data)
            length = len(data) + _bytes_to_newline(f)
            f.seek(start)
            line = f.read(length)
            yield [line], line
            continue
        if 0 < end < len(data):  # the last line goes with the next batch
            f.seek(end - len(data), os.SEEK_CUR)
            data = data[:end]
        yield io.BytesIO(data).readlines(), data


def _bytes_to_newline(f: BinaryIO) -> int:
    """Bytes from the current position up to and including the next newline (or to the end)."""
    n = 0
    while chunk := f.read(1 << 20):
        at = chunk.find(b"\n")
        if at >= 0:
            return n + at + 1
        n += len(chunk)
    return n


def _peek_line(f: BinaryIO) -> bytes:
    pos = f.tell()
    line = f.readline()
    f.seek(pos)
    return line


def _cut(lines: list[bytes], text: bytes) -> tuple[list[str], list[bytes]] | None:
    """Keys and values of lines `{"key":"K","value":V},` with no quote, escape or control character in K.

    None when a line is not of that form. Such a K is the key itself; V is taken as is (the
    validator checks that it is one JSON value). `text` is the lines joined. (Checks are made
    on the whole batch where they can be: a method call per line costs more than the cut.)
    """
    n = len(lines)
    # Lines start with `{"key":"` and end with `},`: values hold no newline, so each line
    # boundary is one `},\n{"key":"`.
    if not (text.startswith(_FIRST) and text.endswith(_ENTRY_END) and text.count(_BOUNDARY) == n - 1):
        return None
    quotes = [line.find(b'"', 8) for line in lines]
    if [line[q : q + 10] for line, q in zip(lines, quotes)].count(_AFTER_KEY) != n:
        return None
    try:
        keys = [line[8:q].decode() for line, q in zip(lines, quotes)]
    except UnicodeDecodeError:
        return None
    joined = "".join(keys)
    if "\\" in joined or not joined.isprintable():
        return None
    return keys, [line[q + 10 : -3] for line, q in zip(lines, quotes)]


def _parse_line(body: bytes, index: int) -> Row:
    """An entry line (without its comma and line end) not in the writer's exact form, parsed on its own.

    The value keeps its text when the line is `{"key":K,"value":V}` around it (trimmed, and
    without tabs and CRs: outside strings they are only whitespace, and a COPY stream must not
    see them); otherwise (members swapped, a member repeated) it is the parsed value encoded.
    """
    try:
        entry = loads(body)
    except ValueError as exc:
        raise _entry_error(index, None, _json_problem(exc)) from None
    if not isinstance(entry, dict):
        raise _entry_error(index, None, f"expected an object with key and value, got {_json_type(entry)}")
    key = _check_entry(index, entry.keys(), entry.get("key"))
    prefix = b'{"key":' + orjson.dumps(key) + b',"value":'
    raw = body[len(prefix) : -1].strip()
    if body.startswith(prefix) and body.endswith(b"}") and _value_problem(raw) is None:
        return key, compact(raw)
    try:
        return key, dumps(entry["value"])
    except (TypeError, ValueError, RecursionError):
        raise _entry_error(index, key, f"too deeply nested (a value is {MAX_DEPTH_HINT})") from None


class _Validator:
    """The checks every entry of a file in our layout passes, a batch at a time, in file order."""

    def __init__(self) -> None:
        self.counts = empty_counts()
        self.total = 0
        self.last: str | None = None
        self.as_cut = True  # every value was its line's text as cut: a re-read may cut again unchecked

    def rows(self, batch: _Batch) -> list[Row]:
        keys, values, first = batch.keys, batch.values, batch.first
        exact = self._check_json(batch)
        _check_keys(keys, first)
        last = self.last
        if (last is not None and keys[0] <= last) or not all([a < b for a, b in zip(keys, islice(keys, 1, None))]):
            self._check_order(keys, first)
        self.last = keys[-1]
        text = batch.text
        if b"\\" in text and b"u0000" in text:
            for i, value in enumerate(values):
                _check_nul(first + i, keys[i], value)
        # Numbers PostgreSQL cannot store. Values of BIG_VALUE bytes or more had theirs checked with
        # their structure; the others are measured exactly when they may hold one: a number orjson
        # could not read as a double (`exact`), a negative exponent (not in a batch of strings,
        # which hold no number), or more than 16383 digits in a row.
        suspects = exact
        strings = [value[:1] for value in values].count(b'"') == len(values)  # JSON strings (master data)
        if not strings and _NEGATIVE_EXPONENT.search(text):
            suspects += [i for i, v in enumerate(values) if len(v) < BIG_VALUE and _NEGATIVE_EXPONENT.search(v)]
        if max(map(len, values)) >= _LONG_DIGITS:
            suspects += [i for i, v in enumerate(values) if _LONG_DIGITS <= len(v) < BIG_VALUE and _has_digit_run(v)]
        for i in sorted(set(suspects)):
            _check_number(first + i, keys[i], postgres_number_problem(values[i]))
        add_sorted_counts(self.counts, keys)
        self.total += len(keys)
        return list(zip(keys, values))

    def _check_json(self, batch: _Batch) -> list[int]:
        """Each value is exactly one JSON value; returns those only an exact parser could read."""
        values = batch.values
        if len(batch.text) < BIG_VALUE or max(map(len, values)) < BIG_VALUE:
            try:
                for value in values:
                    orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
            else:
                return []
        exact = []
        for i, value in enumerate(values):
            index = batch.first + i
            if len(value) >= BIG_VALUE:
                problem = _big_value_problem(value)
            else:
                try:
                    orjson.loads(value)
                    continue
                except orjson.JSONDecodeError:
                    problem = _value_problem(value)
                    if problem is None:
                        exact.append(i)
                        continue
            if problem is None:
                continue
            if batch.lines is None:
                raise _entry_error(index, batch.keys[i], problem)
            # Cut from a line without parsing: the line itself says what it holds (`"value":1,"value":2`).
            batch.keys[i], values[i] = _parse_line(batch.lines[i][:-2], index)
            self.as_cut = False
            exact.append(i)  # its numbers are measured exactly: cheap, and such lines are rare
        return exact

    def _check_order(self, keys: list[str], first: int) -> None:
        last = self.last
        for i, key in enumerate(keys):
            if last is not None and key <= last:
                if key == last:
                    raise _entry_error(first + i, key, f"duplicate key (also at entry {first + i - 1})")
                raise _entry_error(first + i, key, "entries are not sorted by key (the file was edited)")
            last = key


def _has_digit_run(value: bytes) -> bool:
    return b"0" * _LONG_DIGITS in value.translate(_DIGITS)


def _big_value_problem(value: bytes) -> str | None:
    """Why a value of a megabyte or more is not one JSON value PostgreSQL can store, or None.

    Checked without building its object tree (which can take many times its size): a string
    a piece at a time, anything else as a stream of parser events.
    """
    if value.startswith(b'"'):
        return _string_problem(value)
    surrogate = lone_surrogate(value)
    if surrogate is not None:
        return f"not valid JSON (lone surrogate {surrogate.decode()} in a string)"
    depth = items = 0  # inside the brackets _Source adds: the value must be their only item
    try:
        for event, item in ijson.basic_parse(_Source(io.BytesIO(value)), use_float=False, buf_size=_PARSE_CHUNK):
            if event == "start_map" or event == "start_array":
                depth += 1
                items += depth == 2
                if depth > MAX_DEPTH + 1:
                    return f"too deeply nested (a value is {MAX_DEPTH_HINT})"
            elif event == "end_map" or event == "end_array":
                depth -= 1
            else:
                items += depth == 1
                if event == "number" and isinstance(item, Decimal):
                    number = postgres_number_range(str(item).encode())
                    if number is not None:
                        return f"{number}; nothing was written"
    except (ijson.JSONError, ValueError, SystemError) as exc:
        message = _parser_message(exc)
        if "integer string conversion" in message:  # an integer of over 4,300 digits: read it exactly
            return _value_problem(value) or postgres_number_problem(value)
        return f"not valid JSON ({message})"
    return None if items == 1 else "not valid JSON (not exactly one value)"


_VALID_ESCAPE = re.compile(rb'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_CONTROL_BYTES = bytes(range(32))


def _string_problem(value: bytes) -> str | None:
    """Why `value` is not exactly one JSON string, checked a piece at a time (no str of it is built).

    The rules orjson and PostgreSQL apply: UTF-8, no raw control character, every backslash
    a valid escape, no quote but the two around it, no lone surrogate. Pieces end where no
    escape (or escaped surrogate pair) is cut in two.
    """
    end = len(value) - 1
    if end < 1 or value[end] != 0x22:
        return "not valid JSON (unterminated string)"
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = 1
    while start < end:
        stop = min(start + _PIECE, end)
        piece = value[start:stop]
        while stop < end and not (cut := _escape_boundary(piece)):  # a piece of backslashes: take more
            stop = min(stop + _PIECE, end)
            piece = value[start:stop]
        if stop < end:
            piece = piece[:cut]
            stop = start + cut
        try:
            decoder.decode(piece)
        except UnicodeDecodeError as exc:
            return f"not valid UTF-8 text (byte 0x{exc.object[exc.start]:02x} in a string); save the file as UTF-8"
        if len(piece.translate(None, _CONTROL_BYTES)) != len(piece):
            return "not valid JSON (a control character in a string)"
        rest = _VALID_ESCAPE.sub(b"", piece)
        if b"\\" in rest or b'"' in rest:  # a bad escape, the string's end (the text after it is not JSON)
            return "not valid JSON (a string with an invalid escape or more than one string)"
        surrogate = lone_surrogate(piece)
        if surrogate is not None:
            return f"not valid JSON (lone surrogate {surrogate.decode()} in a string)"
        start = stop
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "not valid UTF-8 text (a character cut at the end of a string); save the file as UTF-8"
    return None


# --------------------------------------------------------------------------------------------
# 2.0.0 files (any file not in our layout): a stream of JSON events

_EVENT_TYPES = {
    "start_map": "an object", "start_array": "an array", "string": "a string", "number": "a number",
    "boolean": "a boolean", "null": "null",
}
_PLACEHOLDER: dict[str, Any] = {"start_map": {}, "start_array": [], "number": 0, "boolean": False, "null": None}
_OPEN = ("start_map", "start_array")
_CLOSE = ("end_map", "end_array")
LEGACY_RUN_ROWS = 50_000  # entries sorted in memory at a time (keys and references: about 10 MB)
_REF = struct.Struct("<QQQ")  # entry number, offset and length of its value in the spill file
_FLUSH_PARTS = 1 << 14


class _Legacy:
    """A file not in our line layout (the app's 2.0.0 files, usually pretty-printed, in any order).

    Read as a stream of JSON events (ijson's C parser): each entry is checked as it comes and
    its value encoded compactly into a temporary file; the keys are then sorted with bounded
    memory and the values read back in key order. Memory depends on the largest value only.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _events(self, f: BinaryIO) -> Iterator[tuple[str, Any]]:
        """The document's parser events, then `end_array` (the end of the wrapping `[`), then nothing."""
        if f.read(len(_BOM)) != _BOM:  # a UTF-8 byte order mark is not part of the JSON
            f.seek(0)
        source = _Source(f)
        try:
            events = ijson.basic_parse(source, use_float=False, buf_size=_PARSE_CHUNK)
            next(events)  # the wrapping `[`
            yield from events
        except (ijson.JSONError, ValueError, SystemError) as exc:
            raise self._problem(exc, source.state == "end") from None

    def metadata(self) -> dict[str, Any]:
        """The checked metadata, read up to the start of kvStoreData (or further if it comes first)."""
        with open(self.path, "rb") as f:
            events = self._events(f)
            event, value = next(events)
            if event == "end_array":  # no document inside the brackets
                raise InvalidBackupError(f"invalid backup file: {self.path.name} holds only whitespace")
            if event != "start_map":
                _skip(events, event)
                _end(events)  # a syntax error further on says more than the type
                raise InvalidBackupError(
                    f"invalid backup file: expected a JSON object at the top, got {_EVENT_TYPES[event]}"
                )
            meta: Any = None
            data: str | None = None  # the first event of kvStoreData's value
            for event, name in events:
                if event == "end_map":
                    _end(events)
                    break
                event, value = next(events)
                if name == "metadata" and meta is None:
                    meta = _build(events, event, value)
                    continue
                if name == "kvStoreData" and data is None:
                    data = event
                    if meta is not None and event == "start_array":
                        break  # the entries are read by pages()
                _skip(events, event)
        if meta is None:
            raise InvalidBackupError("invalid backup file: no metadata (is this an MVDB backup?)")
        if data is None:
            raise InvalidBackupError("invalid backup file: no kvStoreData list (is this an MVDB backup?)")
        if not isinstance(meta, dict):
            raise InvalidBackupError(f"invalid backup file: metadata must be an object, got {_json_type(meta)}")
        _check_metadata(meta)
        if data != "start_array":
            raise InvalidBackupError(f"invalid backup file: kvStoreData must be a list, got {_EVENT_TYPES[data]}")
        if meta.get("version") == VERSION and meta.get("sha256"):
            raise InvalidBackupError(
                "invalid backup file: this 3.0.0 file was reformatted (one entry per line expected), so its "
                "sha256 cannot be checked; use the file as the backup tool wrote it (a copy from before the edit)"
            )
        return meta

    def pages(self) -> Iterator[list[Row]]:
        """Every entry in key order, checked; returns how many there were."""
        total = 0
        previous: tuple[str, int] | None = None
        with tempfile.TemporaryFile() as spill:
            for page in row_pages(external_sort(self._entries(spill), LEGACY_RUN_ROWS), PAGE_ROWS):
                rows = []
                for key, ref in page:
                    index, offset, length = _REF.unpack(ref)
                    if previous is not None and previous[0] == key:
                        raise _entry_error(index, key, f"duplicate key (also at entry {previous[1]})")
                    previous = key, index
                    spill.seek(offset)
                    rows.append((key, spill.read(length)))
                total += len(rows)
                yield rows
        return total

    def _entries(self, spill: BinaryIO) -> Iterator[Row]:
        """(key, reference to the value in `spill`) of every entry, in file order."""
        seen: set[str] = set()
        with open(self.path, "rb") as f:
            events = self._events(f)
            next(events)  # the top-level object, as metadata() found
            for event, name in events:
                if event == "end_map":
                    break
                event, value = next(events)
                if name in seen and name in ("metadata", "kvStoreData"):
                    raise InvalidBackupError(f"invalid backup file: the file has two {name} members")
                seen.add(name)
                if name == "kvStoreData":
                    yield from self._items(events, spill)
                else:
                    _skip(events, event)
            _end(events)
        spill.flush()

    def _items(self, events: Iterator[tuple[str, Any]], spill: BinaryIO) -> Iterator[Row]:
        index = 0
        for event, value in events:
            if event == "end_array":
                return
            index += 1
            if event != "start_map":
                raise _entry_error(index, None, f"expected an object with key and value, got {_EVENT_TYPES[event]}")
            names = []
            key: Any = None
            where = (0, 0)
            problem = None
            for event, name in events:
                if event == "end_map":
                    break
                event, value = next(events)
                names.append(name)
                if name == "value":
                    start = spill.tell()
                    problem = _encode(events, event, value, spill.write)
                    where = (start, spill.tell() - start)
                elif name == "key":
                    key = value if event == "string" else _PLACEHOLDER[event]
                    _skip(events, event)
                else:
                    _skip(events, event)
            key = _check_entry(index, names, key)
            _check_keys([key], index)
            if problem is _TOO_DEEP:
                raise InvalidBackupError(
                    f"invalid backup file: the file is too deeply nested (a value is {MAX_DEPTH_HINT}) "
                    f"in entry {index} (key {_short(repr(key), 80)})"
                )
            if problem is not None:
                raise _entry_error(index, key, problem)
            yield key, _REF.pack(index, *where)

    def _problem(self, exc: Exception, at_end: bool) -> InvalidBackupError:
        """The parser's error as one line that says what is wrong with the file."""
        message = _parser_message(exc).replace("near '[", "near '")
        with open(self.path, "rb") as f:
            sample = f.read(4096)
        sample = sample.removeprefix(_BOM)
        if not sample.strip():
            return InvalidBackupError(f"invalid backup file: {self.path.name} holds only whitespace")
        if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return InvalidBackupError(
                f"invalid backup file: {self.path.name} is UTF-16 text; save it as UTF-8 and try again"
            )
        if b"\x00" in sample or (not _looks_text(sample) and _CONTROL.search(sample)):
            return InvalidBackupError(
                f"invalid backup file: {self.path.name} is not a JSON text file (binary content)"
            )
        if "UTF8" in message or "utf-8" in message or isinstance(exc, UnicodeDecodeError):
            return InvalidBackupError(
                f"invalid backup file: the file is not valid UTF-8 text{_first_bad_byte(self.path)}; "
                "save the file as UTF-8"
            )
        if "premature EOF" in message or (at_end and "trailing garbage" not in message):
            return InvalidBackupError("invalid backup file: the file is truncated (unexpected end of data)")
        if "integer string conversion" in message:
            return InvalidBackupError(
                "invalid backup file: the file holds an integer with more than 4,300 digits, which this tool cannot "
                "read in a 2.0.0 file"
            )
        message = message.replace("trailing garbage", "unexpected content after document")
        return InvalidBackupError(f"invalid backup file: the file is not valid JSON ({_short(message, 100)})")


_TOO_DEEP = "too deep"


_RECORD = struct.Struct("<II")  # key and value lengths, then the key (UTF-8) and the value


def _write_records(f: BinaryIO, rows: list[Row]) -> None:
    parts: list[bytes] = []
    for key, value in rows:
        encoded = key.encode()
        parts += (_RECORD.pack(len(encoded), len(value)), encoded, value)
    f.write(b"".join(parts))


def _read_records(f: BinaryIO) -> Iterator[list[Row]]:
    f.seek(0)
    read, size, unpack = f.read, _RECORD.size, _RECORD.unpack
    page: list[Row] = []
    while head := read(size):
        key_length, value_length = unpack(head)
        page.append((read(key_length).decode(), read(value_length)))
        if len(page) >= PAGE_ROWS:
            yield page
            page = []
    if page:
        yield page


def _parser_message(exc: Exception) -> str:
    """ijson's (yajl's) message on one line: the error and the text around it."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, SystemError) and cause is not None:
        return str(cause)
    detail = exc.args[0] if exc.args else exc
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    first, _, rest = text.partition("\n")
    first = first.removeprefix("lexical error: ").removeprefix("parse error: ").rstrip(".")
    near = rest.partition("\n")[0].strip()
    return f"{first} near {near[:30]!r}" if near else first


def _first_bad_byte(path: Path) -> str:
    """` (byte 0xNN on line N)` for the first byte that is not UTF-8, or ""."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                text = err.object  # the chunk, after the start of a character the last one cut
                line += text.count(b"\n", 0, err.start)
                return f" (byte 0x{text[err.start]:02x} on line {line})"
            line += chunk.count(b"\n")
    return ""


class _Source:
    """What the streaming parser reads: the text inside `[` and `]`, with lone surrogate escapes refused.

    The brackets make the parser refuse anything after the document: on its own it lets an
    unterminated string after a complete value pass (`{}"x` reads as `{}`). A value must then
    be the array's only item. The `]` comes in a read of its own, so an error there means the
    text ended too early. The C parser also turns `\\ud800` without its low half into `?`
    without a word, so the text is checked here too, trailing the parser by the few bytes of
    an escape (or escaped pair) that the end of the text read so far might cut in two.
    """

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._start = f.tell()
        self._unchecked = b""
        self._checked = self._start  # file offset of the unchecked text
        self.state = "start"  # then "text", then "end" once the closing bracket was read

    def read(self, size: int) -> bytes:
        if not size:  # ijson asks for nothing first, to see whether it reads bytes or str
            return b""
        if self.state != "text":
            if self.state == "end":
                return b""
            self.state = "text"
            return b"["
        data = self._f.read(size)
        text = self._unchecked + data
        cut = _escape_boundary(text) if data else len(text)
        if b"\\ud" in text or b"\\uD" in text:
            surrogate = lone_surrogate(text[:cut])
            if surrogate is not None:
                raise InvalidBackupError(
                    f"invalid backup file: the file is not valid JSON (a lone surrogate {surrogate.decode()} in a "
                    f"string on line {self._line_at(self._checked + text.index(surrogate))})"
                )
        self._unchecked = text[cut:]
        self._checked += cut
        if data:
            return data
        self.state = "end"
        return b"]"

    def _line_at(self, offset: int) -> int:
        self._f.seek(self._start)
        return self._f.read(offset - self._start).count(b"\n") + 1


_HIGH_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")


def _escape_boundary(text: bytes) -> int:
    """A position in `text` that no escape and no escaped surrogate pair straddles, near its end.

    The start of a run of backslashes is always such a position (escapes hold no backslash
    after their first byte); any escape that starts 12 bytes or more before the end is complete.
    """
    at = text.find(b"\\", max(0, len(text) - 12))
    if at < 0:
        return len(text)
    while at > 0 and text[at - 1] == 0x5C:
        at -= 1
    if at >= 6 and _HIGH_SURROGATE.fullmatch(text, at - 6, at):  # keep a pair's two halves together
        at -= 6
        while at > 0 and text[at - 1] == 0x5C:
            at -= 1
    return at


def _skip(events: Iterator[tuple[str, Any]], event: str) -> None:
    """Consume the rest of a value whose first event was `event`."""
    if event not in _OPEN:
        return
    depth = 1
    for event, _ in events:
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1
            if not depth:
                return


def _end(events: Iterator[tuple[str, Any]]) -> None:
    """After the document: the end of the wrapping brackets and nothing else (see _Source)."""
    event, _ = next(events)
    if event != "end_array":
        raise InvalidBackupError("invalid backup file: the file is not valid JSON (unexpected content after document)")
    deque(events, maxlen=0)


def _build(events: Iterator[tuple[str, Any]], first: str, first_value: Any) -> Any:
    """The Python value whose first event is (first, first_value): small values (the metadata)."""
    builder = ijson.ObjectBuilder()
    depth = 0
    for event, value in chain([(first, first_value)], events):
        builder.event(event, float(value) if isinstance(value, Decimal) else value)  # numbers as orjson reads them
        depth += (event in _OPEN) - (event in _CLOSE)
        if not depth:
            return builder.value
    raise InvalidBackupError("invalid backup file: the file is truncated (unexpected end of data)")


def _encode(events: Iterator[tuple[str, Any]], first: str, first_value: Any, write: Any) -> str | None:
    """Write one value, whose first event is (first, first_value), as compact JSON; return its first defect.

    Numbers keep the parser's exact reading (int or Decimal), strings are escaped as orjson
    does; a string too long for one piece is written in pieces. Defects: a NUL character, a
    number PostgreSQL cannot store, nesting deeper than MAX_DEPTH.
    """
    parts: list[bytes] = []
    sep = b""  # what goes before the next item: a comma after a complete one
    depth = 0
    problem = None
    dumps_ = orjson.dumps
    for event, value in chain([(first, first_value)], events):
        if event == "string":
            if "\x00" in value:
                problem = problem or _NUL_PROBLEM
            if len(value) > _PIECE:
                write(b"".join(parts) + sep + b'"')
                parts.clear()
                for start in range(0, len(value), _PIECE):
                    write(dumps_(value[start : start + _PIECE])[1:-1])
                parts.append(b'"')
            else:
                parts.append(sep + dumps_(value))
            sep = b","
        elif event == "map_key":
            if "\x00" in value:
                problem = problem or _NUL_PROBLEM
            parts.append(sep + dumps_(value) + b":")
            sep = b""
        elif event == "number":
            text = str(value).encode()
            if not problem and (len(text) > 15 or b"E" in text):
                number = postgres_number_range(text)
                problem = number and f"{number}; nothing was written"
            parts.append(sep + text)
            sep = b","
        elif event in _OPEN:
            depth += 1
            if depth > MAX_DEPTH and not problem:
                problem = _TOO_DEEP
            parts.append(sep + (b"{" if event == "start_map" else b"["))
            sep = b""
        elif event in _CLOSE:
            depth -= 1
            parts.append(b"}" if event == "end_map" else b"]")
            sep = b","
        else:
            parts.append(sep + (b"null" if value is None else b"true" if value else b"false"))
            sep = b","
        if not depth:
            break
        if len(parts) > _FLUSH_PARTS:
            write(b"".join(parts))
            parts.clear()
    write(b"".join(parts))
    return problem
