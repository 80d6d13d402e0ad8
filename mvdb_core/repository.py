"""A snapshot repository: incremental, compressed, optionally encrypted copies of the KV table.

Rows are cut, in key order, into leaves whose boundaries depend on the keys (and a minimum and
maximum size), so that one edited row rewrites one leaf. A leaf is the 3.0.0 entry lines of its
rows, compressed, then encrypted, and stored once under a keyed hash of its plaintext. A snapshot
is a small object: its time, tags and leaf names in the open (what an unattended writer needs), and
a sealed part with the 3.0.0 metadata and each leaf's digest. Layout and threat model:
docs/repository.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import operator
import os
import secrets
import socket
import tempfile
import threading
import zlib
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from itertools import accumulate, compress, count, islice, repeat
from pathlib import Path
from typing import Any

import orjson
import pyrage

from . import __version__
from .backup_file import (
    _AFTER_KEY,
    _DATA_LINE,
    _HEAD,
    READ_BYTES,
    BackupFile,
    _check_metadata,
    _Validator,
    new_file,
    pack_file,
    partial_path,
    tokenize_lines,
    utc_now,
)
from .categories import add_sorted_counts, categorize, empty_counts
from .errors import InvalidBackupError, StoreError, UsageError
from .keys import PASSPHRASE_ENV, Keys
from .locks import hold
from .object_store import ObjectMissing, ObjectStore, RepositoryError, open_object_store
from .progress import ProgressFn, Stage, Tracker
from .sealing import open_age, open_bytes, seal_bytes, unzstd
from .stores.base import Row, Store

FORMAT = "mvdb-repository"
SNAPSHOT_FORMAT = "mvdb-snapshot"
CONFIG = "config"
ENCRYPTIONS = ("age", "passphrase", "none")
WRITER_KEY_ENV = "MVDB_REPOSITORY_KEY"
STATE_ENV = "MVDB_STATE_DIR"
# docs/benchmarks.md: about 256 rows per leaf keeps a snapshot of an unchanged store near 1% of the first,
# 10 edited rows under 10%, and the number of objects (each a file or a PUT) low enough for speed.
LEAF_BITS = 8
LEAF_ZSTD_LEVEL = 1  # docs/benchmarks.md: on MVDB rows as small as level 3 and a quarter faster
LEAF_MIN = 8 << 10
LEAF_MAX = 512 << 10
LOCK_WAIT = 15 * 60.0  # seconds a snapshot waits for a prune to finish
_PARALLEL = 8  # objects written or read at once (S3 round trips overlap)
_LINE_START = b'{"key":"'
_LINE_END = b"},\n"
_LINE_OVERHEAD = len(_LINE_START) + len(_AFTER_KEY) + len(_LINE_END)
_ESCAPED_BYTES = bytes(range(32)) + b'"\\'  # what JSON escapes in a key
_KEY, _VALUE = operator.itemgetter(0), operator.itemgetter(1)
_SMALLEST_LEAF = 20  # bytes: a zstd frame of one line is longer; an age file is over 200


@dataclass
class SnapshotInfo:
    """A snapshot as the listing shows it; `total` and `categories` need the key when the repository is encrypted."""

    id: str
    time: str
    tags: list[str]
    size: int
    new_bytes: int
    reused_bytes: int
    leaves: list[str]
    sealed: bytes
    total: int | None = None
    categories: dict[str, int] | None = None
    host: str = ""
    sizes: list[int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "short_id": self.id[:8], "time": self.time, "tags": self.tags, "total": self.total,
            "categories": self.categories, "size": self.size, "new_bytes": self.new_bytes,
            "reused_bytes": self.reused_bytes, "leaves": len(self.leaves),
        }


@dataclass
class SnapshotResult:
    id: str
    time: str
    total: int
    categories: dict[str, int]
    new_bytes: int
    reused_bytes: int
    new_leaves: int
    reused_leaves: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "short_id": self.id[:8], "time": self.time, "total": self.total,
            "categories": self.categories, "new_bytes": self.new_bytes, "reused_bytes": self.reused_bytes,
            "new_leaves": self.new_leaves, "reused_leaves": self.reused_leaves, "sha256": self.sha256,
        }


@dataclass
class _Secrets:
    recipients: list[Any] = field(default_factory=list)
    identities: list[Any] = field(default_factory=list)
    names: bytes | None = None


class Repository:
    """An opened repository: `init()` makes one, `Repository(url)` opens it."""

    def __init__(self, url: str, objects: ObjectStore | None = None) -> None:
        self.url = url
        self.damaged: list[str] = []
        """Objects under snapshots/ that the last listing left out (damaged or foreign)."""
        self.objects = objects or open_object_store(url)
        try:
            raw = self.objects.get(CONFIG)
        except ObjectMissing:
            raise RepositoryError(f"no repository at {url}; create one with `init --repo {url}`") from None
        try:
            self.config = orjson.loads(raw)
            assert self.config["format"] == FORMAT and self.config["encryption"] in ENCRYPTIONS
        except (orjson.JSONDecodeError, AssertionError, KeyError, TypeError):
            raise RepositoryError(f"{url} holds a damaged or foreign repository config; nothing was changed") from None
        if self.config.get("version") != 1:
            raise RepositoryError(
                f"{url} is a repository of version {self.config.get('version')}; this tool reads version 1"
            )
        try:
            self._recipients = [pyrage.x25519.Recipient.from_str(r) for r in self.config.get("recipients", [])]
            int(self.config["compression"]["level"])
            int(self.config["leaves"]["bits"]), int(self.config["leaves"]["min"]), int(self.config["leaves"]["max"])
            assert self.encryption == "none" or self._recipients
        except (pyrage.RecipientError, ValueError, KeyError, TypeError, AssertionError):
            raise RepositoryError(f"{url} holds a damaged repository config; nothing was changed") from None

    @property
    def id(self) -> str:
        return str(self.config["id"])

    @property
    def encryption(self) -> str:
        return str(self.config["encryption"])

    # ----------------------------------------------------------------------------------------
    # Keys

    def _secrets(self, keys: Keys, writing: bool) -> _Secrets:
        """The keys this command can use here: recipients and the leaf-name key to write, identities to read."""
        mode = self.encryption
        if mode == "none":
            return _Secrets()
        recipients = self._recipients
        if mode == "passphrase":
            if keys.passphrase is None:
                raise UsageError(f"the repository {self.url} is encrypted with a passphrase: set {PASSPHRASE_ENV}")
            try:
                master = orjson.loads(pyrage.passphrase.decrypt(base64.b64decode(self.config["master"]),
                                                               keys.passphrase))
            except pyrage.DecryptError:
                raise UsageError(f"the passphrase does not open the repository {self.url}") from None
            identity = pyrage.x25519.Identity.from_str(master["identity"])
            # The sealed key pair, not the open config, says whom to encrypt to.
            return _Secrets([identity.to_public()], [identity], bytes.fromhex(master["names"]))
        names = self._writer_key() if writing else None
        return _Secrets(recipients, keys.identities, names)

    def _writer_key(self) -> bytes:
        """The key of leaf names for an age repository: MVDB_REPOSITORY_KEY, else this machine's own (made once).

        Whoever reads the bucket cannot compute it, so cannot confirm a guessed leaf. Machines with
        different keys still write correct snapshots; they only do not share leaves.
        """
        text = os.environ.get(WRITER_KEY_ENV, "").strip()
        if text:
            return _name_key(text, WRITER_KEY_ENV)
        path = writer_key_path(self.id)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _create_once(path, secrets.token_hex(32) + "\n")
        return _name_key(path.read_text().strip(), str(path))

    def _pin_settings(self) -> None:
        """Refuse to write when the repository's encryption settings changed since this machine's first snapshot.

        The config lies open in the bucket: whoever can write there could switch encryption off or
        add their own recipient, and the next unattended snapshot would follow.
        """
        settings = hashlib.sha256(orjson.dumps(
            [self.config["encryption"], sorted(self.config.get("recipients", [])), self.config.get("master")]
        )).hexdigest()
        path = writer_key_path(self.id).with_suffix(".settings")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _create_once(path, settings + "\n")
        known = path.read_text().strip()
        if known != settings:
            raise RepositoryError(
                f"the encryption settings in {self.url}/config changed since this machine's first snapshot; "
                f"nothing was written. If you changed them yourself, remove {path} and run the snapshot again"
            )

    def _name(self, secret: _Secrets, digest: bytes) -> str:
        """A leaf's object name from its plaintext's SHA-256: keyed (HMAC) unless the repository is not encrypted."""
        if secret.names is None:
            return digest.hex()
        return hmac.new(secret.names, digest, hashlib.sha256).hexdigest()

    # ----------------------------------------------------------------------------------------
    # Writing a snapshot

    def snapshot(
        self,
        store: Store,
        keys: Keys,
        tags: list[str] | None = None,
        time: str | None = None,
        progress: ProgressFn | None = None,
        allow_empty: bool = False,
    ) -> SnapshotResult:
        """Store a snapshot of every row (one point in time): new leaves first, the snapshot object last.

        The reading thread cuts rows into leaves and keeps the file digest; worker threads hash,
        name, compress, encrypt and store each leaf (hashing and zstd run outside the GIL there).
        """
        secret = self._secrets(keys, writing=True)
        self._pin_settings()
        stamp = parse_time(time) if time else utc_now()
        with hold(self.objects, "snapshot", wait=LOCK_WAIT):  # prune must not delete a leaf this one reuses
            return self._snapshot(store, secret, stamp, tags, progress, allow_empty)

    def _snapshot(self, store: Store, secret: _Secrets, stamp: str, tags: list[str] | None,
                  progress: ProgressFn | None, allow_empty: bool) -> SnapshotResult:
        # A listed leaf shorter than any sealed leaf can be is damaged (a crash before the sync): write it again.
        existing = {name: size for name, size in self.objects.list("leaves/") if size >= _SMALLEST_LEAF}
        level = int(self.config["compression"]["level"])
        cutter = _Cutter(int(self.config["leaves"]["bits"]), int(self.config["leaves"]["min"]),
                         int(self.config["leaves"]["max"]))
        digest = hashlib.sha256()
        counts = empty_counts()
        tracker = Tracker(progress, Stage.SNAPSHOT)
        total = 0
        last = b""  # the latest leaf: the file digest takes its last line without the comma

        def store_leaf(plaintext: bytes, first: str, rows: int) -> dict[str, Any]:
            sha = hashlib.sha256(plaintext).digest()
            name = self._name(secret, sha)
            ref: dict[str, Any] = {"name": name, "sha256": sha.hex(), "rows": rows, "first": first}
            size = existing.get(leaf_object(name))
            if size is None:
                data = seal_bytes(plaintext, level, secret.recipients)
                self.objects.put(leaf_object(name), data)
                size, ref["new"] = len(data), True
            ref["size"] = size
            return ref

        refs: list[dict[str, Any]] = []
        with ThreadPoolExecutor(_PARALLEL) as pool:
            pending: deque[Future[dict[str, Any]]] = deque()

            def emit(plaintext: bytes, first: str, rows: int) -> None:
                nonlocal last
                digest.update(last)
                last = plaintext
                pending.append(pool.submit(store_leaf, plaintext, first, rows))
                while len(pending) > 2 * _PARALLEL:  # bounded memory: at most this many leaves in flight
                    refs.append(pending.popleft().result())

            pages = store.iter_pages()
            try:
                for page in pages:
                    if not page:
                        continue
                    page_keys = [row[0] for row in page]
                    add_sorted_counts(counts, page_keys)
                    cutter.add(page_keys, page, emit)
                    total += len(page)
                    tracker.add(len(page), categorize(page_keys[-1]))
            finally:
                pages.close()
            cutter.flush(emit)
            refs += [future.result() for future in pending]
        if total == 0 and not allow_empty:
            reason = store.empty_reason()
            raise StoreError(f"the snapshot found 0 rows in table {store.table}; "
                             + (reason or "if this is expected, pass --allow-empty") + "; no snapshot was stored")
        if last:
            digest.update(last[:-2] + b"\n")
        new = {ref["name"]: ref["size"] for ref in refs if ref.pop("new", False)}
        new_bytes = sum(new.values())
        reused_bytes = sum(ref["size"] for ref in refs) - new_bytes
        sha = digest.hexdigest()
        source = store.describe()
        metadata = {
            "format": "mvdb-backup", "version": "3.0.0", "timestamp": stamp, "createdBy": f"mvdb-backup {__version__}",
            "source": source, "sourceProjectId": source.get("projectId"), "totalItems": total,
            "categories": counts, "selectedCategories": None, "sha256": sha,
        }
        names = [ref.pop("name") for ref in refs]  # in the open part only: the sealed part lists them in order
        sizes = [ref["size"] for ref in refs]  # open too: `check` compares them without a key
        sealed = seal_bytes(orjson.dumps({"metadata": metadata, "leaves": refs}), level, secret.recipients)
        body = {
            "format": SNAPSHOT_FORMAT, "version": 1, "time": stamp, "tags": sorted(set(tags or [])),
            "host": socket.gethostname(), "leaves": names, "sizes": sizes, "new_bytes": new_bytes,
            "reused_bytes": reused_bytes, "sealed": base64.b64encode(sealed).decode(),
        }
        raw = orjson.dumps(body)
        snap_id = hashlib.sha256(raw).hexdigest()
        self.objects.flush()  # every leaf is stored before the snapshot that names them
        self.objects.put(f"snapshots/{snap_id}", raw)
        self.objects.flush()
        tracker.finish()
        return SnapshotResult(snap_id, stamp, total, counts, new_bytes + len(raw), reused_bytes, len(new),
                              len(refs) - len(new), sha)

    # ----------------------------------------------------------------------------------------
    # Reading

    def snapshots(self, keys: Keys | None = None) -> list[SnapshotInfo]:
        """Every intact snapshot, oldest first; with the key, each one's row counts too.

        A damaged or foreign object under snapshots/ is left out and named in `self.damaged`: it
        must not hide the others.
        """
        found: list[SnapshotInfo] = []
        self.damaged = []
        for name, size in self.objects.list("snapshots/"):
            try:
                found.append(self._info(name.removeprefix("snapshots/"), size))
            except (InvalidBackupError, RepositoryError):
                self.damaged.append(name)
        found.sort(key=lambda s: (s.time, s.id))
        if keys is not None and (self.encryption == "none" or keys.identities or keys.passphrase is not None):
            secret = self._secrets(keys, writing=False)
            for info in found:
                meta = self.open_sealed(info, secret)["metadata"]
                info.total, info.categories = meta["totalItems"], meta["categories"]
        return found

    def find(self, ref: str | None, keys: Keys | None = None) -> SnapshotInfo:
        """A snapshot by id, unique id prefix, or `latest` (the default); an id reads that snapshot only."""
        if ref in (None, "", "latest"):
            listing = self.snapshots(keys)
            if not listing:
                raise RepositoryError(f"the repository {self.url} holds no snapshot yet; take one with `snapshot`")
            return listing[-1]
        assert ref is not None
        names = {n.removeprefix("snapshots/"): size for n, size in self.objects.list("snapshots/")}
        matches = [n for n in names if n.startswith(ref.lower())]
        if not matches:
            raise UsageError(f"no snapshot {ref} in {self.url}; `snapshots --repo {self.url}` lists them")
        if len(matches) > 1:
            raise UsageError(
                f"snapshot id {ref} is ambiguous ({len(matches)} snapshots start with it); give more of it"
            )
        return self._info(matches[0], names[matches[0]])

    def _info(self, snap_id: str, size: int) -> SnapshotInfo:
        body = self._snapshot_body(snap_id)
        try:
            return SnapshotInfo(
                snap_id, body["time"], body["tags"], body["new_bytes"] + size, body["new_bytes"],
                body["reused_bytes"], body["leaves"], base64.b64decode(body["sealed"]),
                host=str(body.get("host", "")), sizes=body.get("sizes"),
            )
        except (KeyError, TypeError, ValueError):
            raise RepositoryError(f"snapshot {snap_id[:8]} is damaged (fields missing); nothing was written") from None

    def contents(self, info: SnapshotInfo, keys: Keys) -> dict[str, Any]:
        """The sealed part: the 3.0.0 metadata and the leaves with their digests."""
        return self.open_sealed(info, self._secrets(keys, writing=False))

    def export(self, info: SnapshotInfo, out: Path, keys: Keys, progress: ProgressFn | None = None,
               durable: bool = True, compression: str | None = None) -> dict[str, Any]:
        """Write the snapshot as a 3.0.0 backup file at `out` (never overwriting); return its metadata.

        Every leaf is checked against its digest as it arrives; a missing or damaged one stops
        the export and no file appears. `durable=False` skips the fsync, for a private temporary copy;
        `compression` ("zstd", "gzip") packs the file as `backup --compress` does.
        """
        if compression:
            plain = partial_path(out, "plain")
            try:
                meta = self.export(info, plain, keys, progress, durable=False)
                pack_file(plain, out, compression, Keys())
            finally:
                plain.unlink(missing_ok=True)
            return meta
        secret = self._secrets(keys, writing=False)
        sealed = self.open_sealed(info, secret)
        meta, refs = sealed["metadata"], self._named_refs(info, sealed)
        if out.exists():
            raise UsageError(f"{out} already exists; files are never overwritten: choose another --out")
        digest = hashlib.sha256()
        tracker = Tracker(progress, Stage.EXPORT, meta["totalItems"])
        with new_file(out, durable) as f:
            f.write(_HEAD + orjson.dumps(meta) + b",\n" + _DATA_LINE)
            for i, (ref, plaintext) in enumerate(self._leaves(info, refs, secret)):
                if i == len(refs) - 1:  # the last entry has no comma after it
                    plaintext = plaintext[:-2] + b"\n"
                digest.update(plaintext)
                f.write(plaintext)
                tracker.add(ref["rows"])
            f.write(b"]}\n")
            if digest.hexdigest() != meta["sha256"]:
                raise InvalidBackupError(
                    f"snapshot {info.id[:8]} does not add up: its leaves give sha256 {digest.hexdigest()[:12]}…, "
                    f"its metadata says {meta['sha256'][:12]}…; nothing was written"
                )
        tracker.finish()
        return dict(meta)

    def _named_refs(self, info: SnapshotInfo, sealed: dict[str, Any]) -> list[dict[str, Any]]:
        """The sealed part's leaves, each with its name from the open part."""
        refs: list[dict[str, Any]] = sealed["leaves"]
        if len(refs) != len(info.leaves):
            raise InvalidBackupError(
                f"snapshot {info.id[:8]} is damaged (its two leaf lists differ); nothing was written"
            )
        for ref, name in zip(refs, info.leaves):
            ref["name"] = name
        return refs

    def _fetch(self, info: SnapshotInfo, secret: _Secrets, ref: dict[str, Any]) -> tuple[bytes, bytes]:
        """One leaf's zstd frame (without its age layer) and its plaintext, checked against its digest."""
        what = _leaf_what(info, ref)
        try:
            raw = self.objects.get(leaf_object(ref["name"]))
        except ObjectMissing:
            raise RepositoryError(f"{what} is missing from the repository; nothing was written") from None
        frame = open_age(raw, secret.identities, what)
        return frame, _checked(unzstd(frame, what), ref, what)

    def _leaves(self, info: SnapshotInfo, refs: list[dict[str, Any]], secret: _Secrets
                ) -> Iterator[tuple[dict[str, Any], bytes]]:
        """Each leaf's checked plaintext, in order; reads run ahead in parallel, a bounded window."""
        fetched = _in_order(partial(self._fetch, info, secret), refs)
        return zip(refs, (plaintext for _, plaintext in fetched))

    def read_leaf(self, name: str, sha256: str, secret: _Secrets, what: str, after: str = "") -> bytes:
        """A leaf's plaintext, checked against its digest; `what` and `after` frame the errors."""
        try:
            raw = self.objects.get(leaf_object(name))
        except ObjectMissing:
            raise RepositoryError(f"{what} is missing from the repository{after}") from None
        plaintext = open_bytes(raw, secret.identities, what)
        if hashlib.sha256(plaintext).hexdigest() != sha256:
            raise InvalidBackupError(f"{what} is damaged (its digest does not match){after}")
        return plaintext

    def reading_secrets(self, keys: Keys) -> _Secrets:
        """What reading needs (identities); a wrong or missing key fails here, before any work."""
        return self._secrets(keys, writing=False)

    def _snapshot_body(self, snap_id: str) -> dict[str, Any]:
        raw = self.objects.get(f"snapshots/{snap_id}")
        if hashlib.sha256(raw).hexdigest() != snap_id:
            raise RepositoryError(
                f"snapshot {snap_id[:8]} is damaged (its content does not match its id); take a new snapshot"
            )
        body = orjson.loads(raw)
        if not isinstance(body, dict) or body.get("format") != SNAPSHOT_FORMAT:
            raise RepositoryError(f"snapshots/{snap_id[:8]} is not a snapshot of this tool")
        return body

    def open_sealed(self, info: SnapshotInfo, secret: _Secrets) -> dict[str, Any]:
        return dict(orjson.loads(open_bytes(info.sealed, secret.identities, f"snapshot {info.id[:8]}")))


class SnapshotReader(BackupFile):
    """A snapshot read the way restore reads a backup file, without writing that file first.

    A restore reads its source two or three times (validate and plan, write, verify). The first
    read fetches the leaves (eight at a time), checks each against its digest and appends its zstd
    frame (the age layer removed) to a private unnamed cache file; later reads decompress the frames
    from there and check the digests again, so the repository is read once and cannot change
    between the passes. The lines go through the file reader's tokenizer and validator: a snapshot
    is checked as its exported file would be, except the digest of the whole entry section, which
    is not computed again (every byte of it is in a leaf whose digest is checked).
    """

    def __init__(self, repo: Repository, info: SnapshotInfo, keys: Keys) -> None:  # no file: BackupFile's is not run
        self.repo, self.info = repo, info
        self._secret = repo._secrets(keys, writing=False)
        sealed = repo.open_sealed(info, self._secret)
        _check_metadata(sealed["metadata"])
        self.metadata: dict[str, Any] = sealed["metadata"]
        self.refs = repo._named_refs(info, sealed)
        self.path = Path(f"snapshot-{info.id[:8]}")
        self.layers = None
        self._validated = None  # check_unchanged has nothing to do: every read checks every leaf's digest
        self._reread_ok = False
        self._cache = tempfile.TemporaryFile(prefix="mvdb-leaves-")
        self._spans: list[tuple[int, int]] | None = None  # each leaf's frame in the cache, after a whole first read

    def close(self) -> None:
        self._cache.close()

    def pages(self) -> Iterator[list[Row]]:
        cached = self._spans is not None
        leaves = self._from_cache() if cached else self._from_repository()
        batches = tokenize_lines(_leaf_lines(leaves, len(self.refs)), lambda: b"", _NO_DIGEST)  # ]} is in the text
        if cached and self._reread_ok:
            for batch in batches:
                yield list(zip(batch.keys, batch.values))
            return
        validator = _Validator()
        for batch in batches:
            yield validator.rows(batch)
        self._check_totals(validator.total, validator.counts)
        self._reread_ok = validator.as_cut

    has_lines = True
    seekable = False

    def entry_chunks(self, start: str | None = None, stop: str | None = None) -> Iterator[bytes]:
        """The leaves' lines (checked against their digests), from the leaf that holds `start` (each leaf
        records its first key) to the one that holds `stop`."""
        refs = self.refs
        if start is not None:
            refs = refs[max(bisect_right([r["first"] for r in refs], start) - 1, 0) :]
        if stop is not None:
            refs = [r for r in refs if r["first"] < stop]
        return self.leaf_texts(refs)

    def leaf_texts(self, refs: Iterable[dict[str, Any]]) -> Iterator[bytes]:
        """These leaves' lines, in order, fetched eight at a time and checked against their digests."""
        return _in_order(lambda ref: self.repo._fetch(self.info, self._secret, ref)[1], refs)

    def _from_repository(self) -> Iterator[bytes]:
        self._cache.truncate(0)
        fd, end, lock = self._cache.fileno(), [0], threading.Lock()

        def fetch(ref: dict[str, Any]) -> tuple[tuple[int, int], bytes]:
            frame, plaintext = self.repo._fetch(self.info, self._secret, ref)
            with lock:
                offset, end[0] = end[0], end[0] + len(frame)
            os.pwrite(fd, frame, offset)  # in the worker: a write in the reading thread waits for the GIL after it
            return (offset, len(frame)), plaintext

        spans = []
        for span, plaintext in _in_order(fetch, self.refs):
            spans.append(span)
            yield plaintext
        self._spans = spans

    def _from_cache(self) -> Iterator[bytes]:
        assert self._spans is not None
        fd = self._cache.fileno()

        def read(item: tuple[dict[str, Any], tuple[int, int]]) -> bytes:
            ref, (offset, length) = item
            what = _leaf_what(self.info, ref)
            return _checked(unzstd(os.pread(fd, length, offset), what), ref, what)

        return _in_order(read, zip(self.refs, self._spans))


class _NoDigest:
    def update(self, data: bytes) -> None:
        pass


_NO_DIGEST = _NoDigest()


def _leaf_lines(leaves: Iterator[bytes], count: int) -> Iterator[tuple[list[bytes], bytes]]:
    """The entry section of the exported file as batches of whole lines: the leaves, the last one's comma
    dropped, then `]}`; a batch is about READ_BYTES (a whole leaf would fall out of the CPU caches)."""
    carry = b""
    for i, text in enumerate(leaves):
        if i == count - 1:
            text = text[:-2] + b"\n]}\n"  # as export writes it: no comma after the last entry
        if carry:
            text, carry = carry + text, b""
        end = text.rfind(b"\n") + 1
        if end < len(text):  # a leaf that ends inside a line (never written so): the rest goes with the next
            text, carry = text[:end], text[end:]
        start = 0
        while start < len(text):
            stop = text.find(b"\n", start + READ_BYTES) + 1 or len(text)
            piece = text if stop - start == len(text) else text[start:stop]
            yield io.BytesIO(piece).readlines(), piece
            start = stop
    if count == 0:
        yield [b"]}\n"], b"]}\n"
    if carry:
        yield [carry], carry


def _in_order(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
    """fn(item) for every item, in order, run in threads at most 2 * _PARALLEL ahead (bounded memory)."""
    with ThreadPoolExecutor(_PARALLEL) as pool:
        todo = iter(items)
        window: deque[Future[Any]] = deque(pool.submit(fn, item) for item in islice(todo, 2 * _PARALLEL))
        while window:
            future = window.popleft()
            for item in islice(todo, 1):
                window.append(pool.submit(fn, item))
            yield future.result()


def _leaf_what(info: SnapshotInfo, ref: dict[str, Any]) -> str:
    return f"snapshot {info.id[:8]}: leaf {ref['name'][:12]}"


def _checked(plaintext: bytes, ref: dict[str, Any], what: str) -> bytes:
    if hashlib.sha256(plaintext).hexdigest() != ref["sha256"]:
        raise InvalidBackupError(f"{what} is damaged (its digest does not match); nothing was written")
    return plaintext


# --------------------------------------------------------------------------------------------
# Making a repository


def init_repository(url: str, encryption: str, keys: Keys, level: int = LEAF_ZSTD_LEVEL, leaf_bits: int = LEAF_BITS,
                    leaf_min: int = LEAF_MIN, leaf_max: int = LEAF_MAX) -> Repository:
    """Create a repository (refusing a location that already holds one); the tuning values are for bench/."""
    objects = open_object_store(url)
    if objects.exists(CONFIG):
        raise UsageError(f"{url} already holds a repository; use it as it is or choose another location")
    if encryption not in ENCRYPTIONS:
        raise UsageError(f"unknown encryption {encryption!r}")
    config: dict[str, Any] = {
        "format": FORMAT, "version": 1, "id": secrets.token_hex(16), "created": utc_now(),
        "createdBy": f"mvdb-backup {__version__}", "encryption": encryption,
        "compression": {"codec": "zstd", "level": level},
        "leaves": {"cut": "crc32 of the key", "bits": leaf_bits, "min": leaf_min, "max": leaf_max},
    }
    if encryption == "age":
        if not keys.recipients:
            raise UsageError("give at least one --recipient or --recipients-file (or choose --passphrase or "
                             "--no-encryption)")
        config["recipients"] = keys.recipient_texts
    elif encryption == "passphrase":
        assert keys.passphrase is not None
        identity = pyrage.x25519.Identity.generate()
        master = orjson.dumps({"identity": str(identity), "names": secrets.token_hex(32)})
        config["recipients"] = [str(identity.to_public())]
        config["master"] = base64.b64encode(pyrage.passphrase.encrypt(master, keys.passphrase)).decode()
    objects.put(CONFIG, orjson.dumps(config, option=orjson.OPT_INDENT_2))
    return Repository(url, objects)


def _name_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise UsageError(f"{where} does not hold a repository name key (64 hex digits); copy the whole key file")
    return key


def _create_once(path: Path, text: str) -> None:
    """Create a small private file whole or not at all; when two runs race, the one that linked first wins."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def writer_key_path(repo_id: str) -> Path:
    base = os.environ.get(STATE_ENV) or os.path.join(os.path.expanduser("~"), ".local", "state", "mvdb-backup")
    return Path(base) / "repositories" / f"{repo_id}.key"


def parse_time(text: str) -> str:
    """An ISO 8601 time as the repository records it (UTC, milliseconds, Z)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--time {text!r} is not an ISO 8601 time; write e.g. 2026-12-01T03:00:00Z") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:
        raise UsageError(f"--time {text!r} is outside the years 1-9999 in UTC") from None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------------------------------
# Leaves


def leaf_object(name: str) -> str:
    """A leaf's object name: fanned out by two hex digits, as a folder of 100,000 files is slow to list."""
    return f"leaves/{name[:2]}/{name}"


class _Cutter:
    """Cuts rows into leaves: after a key whose CRC-32 has its low `bits` bits zero, within min and max bytes.

    A leaf's plaintext is its rows' 3.0.0 lines (`{"key":"K","value":V},` and a newline). Cut points
    are found per page with bisection over the running line sizes and the rows are joined a slice
    at a time: a loop per row in Python cost a third of a first snapshot's time (docs/benchmarks.md).
    """

    def __init__(self, bits: int, minimum: int, maximum: int) -> None:
        self.mask = (1 << bits) - 1
        self.minimum, self.maximum = minimum, maximum
        self.parts: list[bytes] = []
        self.size = self.rows = 0
        self.first: str | None = None
        self.last: str | None = None  # the last key so far: keys must increase strictly

    def add(self, keys: list[str], page: list[tuple[str, bytes]], emit: Any) -> None:
        if (self.last is not None and keys[0] <= self.last) or any(map(operator.ge, keys, islice(keys, 1, None))):
            raise StoreError("the store returned rows out of key order; no snapshot was stored")
        self.last = keys[-1]
        # Per-row work runs in C iterators (map, accumulate, compress): a Python loop per row here cost
        # a third of a first snapshot's time.
        raw = list(map(str.encode, keys))
        joined = b"".join(raw)  # a byte under 0x20, a quote or a backslash in UTF-8 is that ASCII character
        plain = len(joined.translate(None, _ESCAPED_BYTES)) == len(joined)  # 5x faster than the str regex
        encoded = raw if plain else [orjson.dumps(k)[1:-1] for k in keys]
        values = list(map(_VALUE, page))
        ends = list(accumulate(map(operator.add, map(operator.add, map(len, encoded), map(len, values)),
                                   repeat(_LINE_OVERHEAD))))
        marks = list(compress(count(), map(operator.not_, map(operator.and_, map(zlib.crc32, raw),
                                                                   repeat(self.mask)))))
        n, start, m = len(keys), 0, 0
        while start < n:
            offset = (ends[start - 1] if start else 0) - self.size  # a leaf through row i holds ends[i] - offset
            limit = bisect_left(ends, self.maximum + offset, lo=start)
            low = bisect_left(ends, self.minimum + offset, lo=start)
            while m < len(marks) and marks[m] < low:
                m += 1
            cut = min(marks[m] if m < len(marks) else n, limit)
            if cut >= n:
                self._take(keys, encoded, values, ends, start, n)
                return
            self._take(keys, encoded, values, ends, start, cut + 1)
            self.flush(emit)
            start = cut + 1

    def _take(self, keys: list[str], encoded: list[bytes], values: list[bytes], ends: list[int], s: int, e: int
              ) -> None:
        parts: list[bytes] = [_LINE_START, b"", _AFTER_KEY, b"", _LINE_END] * (e - s)
        parts[1::5] = encoded[s:e]
        parts[3::5] = values[s:e]
        self.parts.append(b"".join(parts))
        self.size += ends[e - 1] - (ends[s - 1] if s else 0)
        self.rows += e - s
        if self.first is None:
            self.first = keys[s]

    def flush(self, emit: Any) -> None:
        if self.parts:
            emit(b"".join(self.parts), self.first, self.rows)
        self.parts, self.size, self.rows, self.first = [], 0, 0, None
