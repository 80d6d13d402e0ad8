"""Restore: plan against the target, snapshot what will be overwritten, write, verify.

Everything streams: the backup file and the target are both in key code-point order, so the
plan and the verification are merge joins that hold one row of each side at a time.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, compress, islice
from pathlib import Path
from typing import Any

import orjson

from .backup_file import BackupFile, BackupWriter
from .categories import CATEGORY_NAMES, add_sorted_counts, categorize, empty_counts
from .errors import StoreError, UsageError, VerificationError
from .jsonvalue import dumps, loads, same_text
from .stores.base import Row, Store, pages_of

PER_USER_PREFIXES = ("movie_type_colors:", "custom_nav_items:")
RestoreProgress = Callable[[str, int, int | None], None]
"""Called with (stage, rows done in this stage, stage total if known)."""


@dataclass
class CategoryPlan:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    extra: int = 0


@dataclass
class RestoreOptions:
    mode: str = "merge"
    categories: frozenset[str] | None = None
    legacy_repair: bool = True
    remap: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    snapshot_dir: Path = Path("backups/snapshots")

    def __post_init__(self) -> None:
        if self.mode not in ("merge", "mirror"):
            raise UsageError(f"unknown mode {self.mode!r}: use merge or mirror")
        for old, new in self.remap.items():
            if not old or not new or old == new:
                raise UsageError(f"invalid --remap-user {old}={new}: give OLD=NEW with two different user ids")


@dataclass
class Plan:
    categories: dict[str, CategoryPlan] = field(default_factory=lambda: {n: CategoryPlan() for n in CATEGORY_NAMES})
    repaired: int = 0
    remapped: list[tuple[str, str]] = field(default_factory=list)
    user_rewrites: int = 0
    mode: str = "merge"
    scope: list[str] = field(default_factory=list)

    def totals(self) -> CategoryPlan:
        t = CategoryPlan()
        for c in self.categories.values():
            t.added += c.added
            t.changed += c.changed
            t.unchanged += c.unchanged
            t.extra += c.extra
        return t

    @property
    def deletes(self) -> int:
        return self.totals().extra if self.mode == "mirror" else 0

    @property
    def writes(self) -> int:
        t = self.totals()
        return t.added + t.changed

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "scope": self.scope,
            "categories": {n: vars(c) for n, c in self.categories.items() if any(vars(c).values())},
            "totals": vars(self.totals()),
            "legacyRepaired": self.repaired,
            "remappedKeys": [list(p) for p in self.remapped],
            "userIdRewrites": self.user_rewrites,
        }


@dataclass
class RestoreResult:
    plan: Plan
    snapshot: Path | None = None
    written: int = 0
    deleted: int = 0
    verified: bool = False
    cancelled: bool = False


# --------------------------------------------------------------------------------------------
# The source stream: the file's entries, filtered, repaired and remapped, in key order


class Source:
    """Re-iterable stream of the rows a restore would write, in key order."""

    def __init__(self, backup: BackupFile, options: RestoreOptions) -> None:
        self.backup = backup
        self.options = options
        self.plan = Plan(mode=options.mode, scope=sorted(options.categories or CATEGORY_NAMES))
        self._renamed: list[Row] | None = None
        self._repair = options.legacy_repair and backup.is_legacy

    def in_scope(self, key: str) -> bool:
        cats = self.options.categories
        return cats is None or categorize(key) in cats

    def _transform(self, key: str, value: bytes) -> tuple[str, bytes, bool]:
        """Apply legacy repair and user remap; returns (key, value, renamed)."""
        opts = self.options
        if self._repair and key.startswith("master_") and value[:1] == b"{":
            value = orjson.dumps(value.decode())
            self.plan.repaired += 1
        if not opts.remap:
            return key, value, False
        renamed = False
        for prefix in PER_USER_PREFIXES:
            if key.startswith(prefix) and key[len(prefix):] in opts.remap:
                new_key = prefix + opts.remap[key[len(prefix):]]
                self.plan.remapped.append((key, new_key))
                key, renamed = new_key, True
        cat = categorize(key)
        if cat in ("favorites", "settings"):
            value = self._rewrite_user_ids(value)
        return key, value, renamed

    def _rewrite_user_ids(self, value: bytes) -> bytes:
        if b'"userId"' not in value:
            return value
        doc = loads(value)
        items = doc if isinstance(doc, list) else [doc]
        changed = False
        for item in items:
            if isinstance(item, dict) and item.get("userId") in self.options.remap:
                item["userId"] = self.options.remap[item["userId"]]
                changed = True
        if changed:
            self.plan.user_rewrites += 1
            return dumps(doc)
        return value

    def _prepare_renamed(self) -> list[Row]:
        """Keys renamed by the remap no longer sort in place: collect them (few) in a first pass."""
        renamed: list[Row] = []
        seen_targets: set[str] = set()
        new_keys = {p + n for p in PER_USER_PREFIXES for n in self.options.remap.values()}
        for key, value in self.backup.entries():
            if key in new_keys:
                seen_targets.add(key)
            if not self.in_scope(key):
                continue
            k2, v2, was_renamed = self._transform(key, value)
            if was_renamed:
                renamed.append((k2, v2))
        for key, _ in renamed:
            if key in seen_targets:
                raise UsageError(
                    f"--remap-user would rename a key onto {key!r}, which the backup already holds; "
                    "remove one of them from the remap"
                )
        renamed.sort()
        return renamed

    def __iter__(self) -> Iterator[Row]:
        return chain.from_iterable(self.pages())

    def pages(self) -> Iterator[list[Row]]:
        """Transformed rows in scope, in pages; the plan's counters are reset on every pass."""
        if self.options.remap and self._renamed is None:
            self._renamed = self._prepare_renamed()
        self.plan.repaired = 0
        self.plan.user_rewrites = 0
        self.plan.remapped = []
        if self._renamed:
            yield from pages_of(heapq.merge(self._main(), self._renamed))
        elif not self._repair and not self.options.remap and self.options.categories is None:
            yield from self.backup.pages()  # nothing to filter or transform: the hot path
        else:
            yield from pages_of(self._main())

    def _main(self) -> Iterator[Row]:
        for key, value in self.backup.entries():
            if not self.in_scope(key):
                continue
            k2, v2, renamed = self._transform(key, value)
            if not renamed:
                yield k2, v2


def _merge_join(src: Iterator[Row], tgt: Iterator[Row]) -> Iterator[tuple[str, bytes | None, bytes | None]]:
    """Walk two key-ordered streams together: (key, source value or None, target value or None)."""
    end = object()
    s = next(src, end)
    t = next(tgt, end)
    while s is not end or t is not end:
        if t is end or (s is not end and s[0] < t[0]):
            yield s[0], s[1], None
            s = next(src, end)
        elif s is end or t[0] < s[0]:
            yield t[0], None, t[1]
            t = next(tgt, end)
        else:
            yield s[0], s[1], t[1]
            s = next(src, end)
            t = next(tgt, end)


def _target_pages(store: Store, source: Source) -> Iterator[list[Row]]:
    if not store.table_exists():
        return iter(())
    if source.options.categories is None:
        return store.iter_pages()
    return ([row for row in page if source.in_scope(row[0])] for page in store.iter_pages())


def _target_rows(store: Store, source: Source) -> Iterator[Row]:
    return chain.from_iterable(_target_pages(store, source))


def _differences(
    source: Source, target: Iterator[list[Row]], progress: Callable[[int], None] | None
) -> Iterator[tuple[str, bytes | None, bytes | None]]:
    """The rows whose texts are not identical on both sides: (key, source value, target value).

    Compares runs of rows as whole lists (C speed) while both sides hold the same keys, and
    falls back to a row-by-row merge join from the first run where they do not.
    """
    src = chain.from_iterable(source.pages())
    tgt = chain.from_iterable(target)
    while s := list(islice(src, 4096)):
        t = list(islice(tgt, len(s)))
        if s != t:
            if [k for k, _ in s] != [k for k, _ in t]:
                yield from (row for row in _merge_join(chain(s, src), chain(t, tgt)) if row[1] != row[2])
                return
            yield from ((k, a, b) for (k, a), (_, b) in zip(s, t) if a != b)
        if progress:
            progress(len(s))
    yield from ((k, None, v) for k, v in tgt)


# --------------------------------------------------------------------------------------------
# Plan, restore, verify


def plan_restore(backup: BackupFile, store: Store, options: RestoreOptions) -> Plan:
    """Compare the backup with the target; validates the whole file and writes nothing."""
    source = Source(backup, options)
    for key, s, t in _merge_join(iter(source), _target_rows(store, source)):
        _count(source.plan, key, s, t)
    return source.plan


def _count(plan: Plan, key: str, s: bytes | None, t: bytes | None) -> bool:
    """Add one row to the plan; True when the row must be written."""
    c = plan.categories[categorize(key)]
    if t is None:
        c.added += 1
        return True
    if s is None:
        c.extra += 1
        return False
    if same_text(s, t):
        c.unchanged += 1
        return False
    c.changed += 1
    return True


def restore(
    backup: BackupFile,
    store: Store,
    options: RestoreOptions,
    progress: RestoreProgress | None = None,
    confirm: Callable[[Plan], bool] | None = None,
) -> RestoreResult:
    """Plan (validating fully), snapshot what will be overwritten, write, verify.

    A dry run stops after the plan. `confirm` sees the plan before the first write and can
    cancel (the result then has `cancelled` set and nothing was written).
    """
    if options.dry_run:
        return RestoreResult(plan_restore(backup, store, options))
    if confirm is None and store.transactional and store.table_exists() and store.is_empty():
        return _restore_into_empty(backup, store, options, progress)
    source = Source(backup, options)
    flags = bytearray()
    deletes: list[str] = []
    snap_path = _snapshot_path(options.snapshot_dir, store)
    options.snapshot_dir.mkdir(parents=True, exist_ok=True)
    snapshot = BackupWriter(snap_path, {**store.describe(), "snapshotOf": store.table})
    with snapshot:
        batch: list[Row] = []
        done = 0
        for key, s, t in _merge_join(iter(source), _target_rows(store, source)):
            must_write = _count(source.plan, key, s, t)
            if must_write and s == b"null" and not store.accepts_json_null:
                raise StoreError(
                    f"key {key!r} has the value JSON null, which the {store.kind} store cannot write (it becomes "
                    "SQL NULL); restore through a postgresql:// connection string instead; nothing was written"
                )
            if s is not None:
                flags.append(must_write)
            if t is not None and (must_write or (s is None and options.mode == "mirror")):
                batch.append((key, t))
                if s is None:
                    deletes.append(key)
                if len(batch) >= 1000:
                    snapshot.add(batch)
                    batch = []
            done += 1
            if progress and done % 5000 == 0:
                progress("plan", done, None)
        snapshot.add(batch)
        plan = source.plan
        if confirm is not None and (plan.writes or deletes) and not confirm(plan):
            snapshot.abort()
            return RestoreResult(plan, cancelled=True)
        if plan.writes or deletes:
            check_target_writable(store)  # only now: a file that fails validation creates nothing
        snapshot_file = snapshot.commit() and snap_path if snapshot.total else None
        if snapshot_file is None:
            snapshot.abort()
    result = RestoreResult(plan, snapshot_file)
    if plan.writes or deletes:
        store.write(_Flagged(source, flags), deletes, stage_progress(progress, "write", plan.writes))
    result.written, result.deleted = plan.writes, len(deletes)
    verify_restore(backup, store, options, stage_progress(progress, "verify", None))
    result.verified = True
    return result


def _restore_into_empty(
    backup: BackupFile, store: Store, options: RestoreOptions, progress: RestoreProgress | None
) -> RestoreResult:
    """An empty table in a transactional store: validate while writing, in one transaction.

    Nothing can be overwritten (no snapshot needed), and a defect found in the file rolls the
    transaction back, so the table stays empty: nothing is written, as with a separate pass.
    """
    source = Source(backup, options)
    rows = _Counted(source)
    store.write(rows, [], stage_progress(progress, "write", None))
    plan = source.plan
    result = RestoreResult(plan, None, written=plan.writes)
    verify_restore(backup, store, options, stage_progress(progress, "verify", None))
    result.verified = True
    return result


class _Counted:
    """Source rows counted into the plan as added; re-iterable (a retry counts afresh)."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def __iter__(self) -> Iterator[Row]:
        return chain.from_iterable(self.pages())

    def pages(self) -> Iterator[list[Row]]:
        counts = empty_counts()
        for page in self.source.pages():
            add_sorted_counts(counts, [key for key, _ in page])
            yield page
        for name, n in counts.items():
            self.source.plan.categories[name].added = n


class _Flagged:
    """The source rows the plan marked for writing; re-iterable for backends that retry."""

    def __init__(self, source: Source, flags: bytearray) -> None:
        self.source, self.flags = source, flags

    def __iter__(self) -> Iterator[Row]:
        return chain.from_iterable(self.pages())

    def pages(self) -> Iterator[list[Row]]:
        done = 0
        for page in self.source.pages():
            chosen = list(compress(page, self.flags[done : done + len(page)]))
            done += len(page)
            if chosen:
                yield chosen


def stage_progress(progress: RestoreProgress | None, stage: str, total: int | None) -> Callable[[int], None] | None:
    """Turn a (stage, done, total) callback into the increment callback the stores call."""
    if progress is None:
        return None
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress(stage, done, total)

    return step


def _snapshot_path(folder: Path, store: Store) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"mvdb-snapshot-{store.table}-{stamp}.json"
    n = 2
    while path.exists():
        path = folder / f"mvdb-snapshot-{store.table}-{stamp}-{n}.json"
        n += 1
    return path


def verify_restore(
    backup: BackupFile, store: Store, options: RestoreOptions, progress: Callable[[int], None] | None = None
) -> None:
    """Every backup row in scope is in the target with an equal value (and, mirroring, nothing else)."""
    source = Source(backup, RestoreOptions(**{**vars(options), "dry_run": False}))
    missing: list[str] = []
    differing: list[str] = []
    extra: list[str] = []
    for key, s, t in _differences(source, _target_pages(store, source), progress):
        if t is None:
            missing.append(key)
        elif s is None:
            if options.mode == "mirror":
                extra.append(key)
        elif not same_text(s, t):
            differing.append(key)
    problems = [
        f"{len(keys)} {what} ({', '.join(map(repr, keys[:5]))}{', …' if len(keys) > 5 else ''})"
        for what, keys in (("missing", missing), ("different", differing), ("extra", extra))
        if keys
    ]
    if problems:
        raise VerificationError("verification failed: the target has " + "; ".join(problems))


def parse_remap(values: list[str] | None) -> dict[str, str]:
    """`--remap-user OLD=NEW` (repeatable) to a dict."""
    remap: dict[str, str] = {}
    for item in values or []:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(f"invalid --remap-user {item!r}: use OLD=NEW")
        remap[old.strip()] = new.strip()
    return remap


def check_target_writable(store: Store) -> None:
    """Create the table where the backend can; otherwise the StoreError carries the SQL to run."""
    if not store.table_exists():
        store.create_table()
