"""Restore: plan against the target, snapshot what will be overwritten, write, verify.

Everything streams: the backup file and the target are both in key code-point order, so the
plan and the verification are merge joins that hold one row of each side at a time. The plan,
the snapshot, the write and the verification run inside one `Store.exclusive()` session, so the
rows a restore overwrites or deletes are exactly the rows in its plan and its safety snapshot
(docs/reliability.md). See docs/architecture.md for the data flow.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, compress, islice
from pathlib import Path
from typing import Any

import orjson

from .backup_file import BackupFile, BackupWriter
from .categories import CATEGORY_NAMES, add_sorted_counts, categorize, empty_counts, key_ranges
from .errors import PlanChanged, StoreError, UsageError, VerificationError
from .jsonvalue import dumps, loads, same_text
from .progress import ProgressFn, Stage, Tracker
from .stores.base import Row, Store, pages_of

PER_USER_PREFIXES = ("movie_type_colors:", "custom_nav_items:")
MODES = ("merge", "mirror")


@dataclass
class CategoryPlan:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    extra: int = 0


NO_MIRROR_OF_ROWS = ("mirror mode deletes every key that is not in the backup: it cannot be combined with --keys, "
                     "--keys-file or --match; restore single rows in merge mode")


@dataclass
class RestoreOptions:
    mode: str = "merge"
    categories: frozenset[str] | None = None
    legacy_repair: bool = True
    remap: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    snapshot_dir: Path = Path("backups/snapshots")
    keys: frozenset[str] | None = None
    """Item-level restore: only these keys (`--match` is turned into the keys of the rows it finds)."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"unknown mode {self.mode!r}: use merge or mirror")
        if self.keys is not None and self.mode == "mirror":
            raise UsageError(NO_MIRROR_OF_ROWS)
        for old, new in self.remap.items():
            if not old or not new or old == new:
                raise UsageError(f"invalid --remap-user {old}={new}: give OLD=NEW with two different user ids")

    @property
    def filtered(self) -> bool:
        return self.categories is not None or self.keys is not None

    def in_scope(self, key: str) -> bool:
        in_categories = self.categories is None or categorize(key) in self.categories
        return in_categories and (self.keys is None or key in self.keys)


@dataclass
class Plan:
    """What a restore does, per category: a pure function of the backup, the options and the target."""

    categories: dict[str, CategoryPlan] = field(default_factory=lambda: {n: CategoryPlan() for n in CATEGORY_NAMES})
    repaired: int = 0
    remapped: list[tuple[str, str]] = field(default_factory=list)
    user_rewrites: int = 0
    mode: str = "merge"
    scope: list[str] = field(default_factory=list)
    changes: str = ""
    """sha256 over every row the restore adds, changes or finds extra (key and the target's value):
    two plans with equal counts but different rows differ here."""

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

    def rows(self) -> list[tuple[str, CategoryPlan]]:
        """The categories to show, the ones where something happens first, each group in table order."""
        shown = [(n, c) for n, c in self.categories.items() if c.added or c.changed or c.unchanged or c.extra]
        return sorted(shown, key=lambda item: not (item[1].added or item[1].changed or item[1].extra))

    def same_changes(self, other: Plan) -> bool:
        """True when `other` (the plan an admin confirmed) describes the same rows to write and delete."""
        return self.mode == other.mode and self.categories == other.categories and self.changes == other.changes

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
    removed_partials: list[Path] = field(default_factory=list)
    """Hidden partial files of killed runs that were removed from the snapshot folder."""


# --------------------------------------------------------------------------------------------
# The source: the file's entries, filtered, repaired and remapped, in key order


def source_pages(backup: BackupFile, options: RestoreOptions, plan: Plan | None = None) -> Iterator[list[Row]]:
    """The rows a restore writes, in key order, in pages; what the transforms did is counted into `plan`."""
    plan = plan if plan is not None else Plan()
    repair = options.legacy_repair and backup.is_legacy
    if not repair and not options.remap and not options.filtered:
        yield from backup.pages()  # nothing to filter or transform: the hot path
        return
    transform = _Transform(options, repair, plan)
    if not options.remap:
        for page in backup.pages():
            rows = [transform(key, value) for key, value in page if options.in_scope(key)]
            if rows:
                yield rows
        return
    renamed = _renamed_rows(backup, options)  # renamed keys no longer sort in place: a first pass (few rows)
    plan.remapped = [(old, new) for old, new, _ in renamed]

    def kept() -> Iterator[Row]:
        for key, value in backup.entries():
            if options.in_scope(key) and _rename(key, options.remap) is None:
                yield transform(key, value)

    extra = [(new, transform(new, value)[1]) for _, new, value in renamed]
    yield from pages_of(heapq.merge(kept(), sorted(extra)))


class _Transform:
    """Legacy repair and the userId rewrite of one row, counted into the plan."""

    def __init__(self, options: RestoreOptions, repair: bool, plan: Plan) -> None:
        self.remap, self.repair, self.plan = options.remap, repair, plan

    def __call__(self, key: str, value: bytes) -> Row:
        if self.repair and key.startswith("master_") and value[:1] == b"{":
            value = orjson.dumps(value.decode())  # the app's 2.0.0 backup parsed these JSON strings
            self.plan.repaired += 1
        if self.remap and categorize(key) in ("favorites", "settings") and b'"userId"' in value:
            value = self._rewrite_user_ids(value)
        return key, value

    def _rewrite_user_ids(self, value: bytes) -> bytes:
        doc = loads(value)
        items = doc if isinstance(doc, list) else [doc]
        changed = False
        for item in items:
            if isinstance(item, dict) and item.get("userId") in self.remap:
                item["userId"] = self.remap[item["userId"]]
                changed = True
        if not changed:
            return value
        self.plan.user_rewrites += 1
        return dumps(doc)


def _rename(key: str, remap: dict[str, str]) -> str | None:
    """The new key of a per-user key whose user is remapped, else None."""
    for prefix in PER_USER_PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in remap:
            return prefix + remap[key[len(prefix):]]
    return None


def _renamed_rows(backup: BackupFile, options: RestoreOptions) -> list[tuple[str, str, bytes]]:
    """(old key, new key, value) of the rows the remap renames; refuses a rename onto a key the file holds."""
    renamed: list[tuple[str, str, bytes]] = []
    targets = {p + n for p in PER_USER_PREFIXES for n in options.remap.values()}
    present: set[str] = set()
    for key, value in backup.entries():
        if key in targets:
            present.add(key)
        new = _rename(key, options.remap) if options.in_scope(key) else None
        if new is not None:
            renamed.append((key, new, value))
    for _, new, _ in renamed:
        if new in present:
            raise UsageError(
                f"--remap-user would rename a key onto {new!r}, which the backup already holds; "
                "remove one of them from the remap"
            )
    return renamed


# --------------------------------------------------------------------------------------------
# Walking the source beside the target


def _target_pages(store: Store, options: RestoreOptions) -> Iterator[list[Row]]:
    """The target's rows in scope; closes its read when stopped early (a COPY must not stay open)."""
    if not store.table_exists():
        return
    pages = store.iter_pages()
    try:
        if not options.filtered:
            yield from pages
        else:
            for page in pages:
                yield [row for row in page if options.in_scope(row[0])]
    finally:
        pages.close()


def _merge_join(src: Iterator[Row], tgt: Iterator[Row]) -> Iterator[tuple[str, bytes | None, bytes | None]]:
    """Walk two key-ordered streams together: (key, source value or None, target value or None)."""
    end = object()
    s = next(src, end)
    t = next(tgt, end)
    while s is not end or t is not end:
        if t is end or (s is not end and s[0] < t[0]):  # type: ignore[index]
            yield s[0], s[1], None  # type: ignore[index]
            s = next(src, end)
        elif s is end or t[0] < s[0]:  # type: ignore[index]
            yield t[0], None, t[1]  # type: ignore[index]
            t = next(tgt, end)
        else:
            yield s[0], s[1], t[1]  # type: ignore[index]
            s = next(src, end)
            t = next(tgt, end)


def _count(plan: Plan, changes: Any, key: str, s: bytes | None, t: bytes | None) -> bool:
    """Add one row to the plan (and the row's change to the `changes` hash); True when it must be written."""
    c = plan.categories[categorize(key)]
    if t is None:
        c.added += 1
        changes.update(_change(b"a", key))
        return True
    if s is None:
        c.extra += 1
        changes.update(_change(b"x", key, t))
        return False
    if same_text(s, t):
        c.unchanged += 1
        return False
    c.changed += 1
    changes.update(_change(b"c", key, t))
    return True


def _change(action: bytes, key: str, target: bytes = b"") -> bytes:
    return action + key.encode("utf-8", "surrogatepass") + b"\0" + target + b"\0"


@dataclass
class _Walk:
    """One pass over source and target: the plan, which source rows to write, which keys to delete."""

    plan: Plan
    flags: bytearray = field(default_factory=bytearray)
    deletes: list[str] = field(default_factory=list)


class _NoHash:
    """Stands in for the `changes` hash when no plan will be compared (`restore --yes`): costs nothing."""

    def update(self, data: bytes) -> None:
        pass

    def hexdigest(self) -> str:
        return ""


def _walk(
    backup: BackupFile, store: Store, options: RestoreOptions, progress: ProgressFn | None,
    snapshot: BackupWriter | None = None, fingerprint: bool = True,
) -> _Walk:
    """Plan (validating the whole file); with `snapshot`, also record the rows that will be overwritten or deleted.

    `fingerprint` fills `Plan.changes`, which only a comparison with a confirmed plan needs.
    """
    walk = _Walk(Plan(mode=options.mode, scope=sorted(options.categories or CATEGORY_NAMES)))
    plan, flags, deletes = walk.plan, walk.flags, walk.deletes
    mirror = options.mode == "mirror"
    changes: Any = hashlib.sha256() if fingerprint else _NoHash()
    tracker = Tracker(progress, Stage.PLAN)
    saved: list[Row] = []
    target = _target_pages(store, options)
    try:
        rows = _merge_join(chain.from_iterable(source_pages(backup, options, plan)), chain.from_iterable(target))
        for key, s, t in rows:
            write = _count(plan, changes, key, s, t)
            if s is not None:
                flags.append(write)
                if write and s == b"null" and not store.accepts_json_null:
                    raise StoreError(
                        f"key {key!r} has the value JSON null, which the {store.kind} store cannot write (it "
                        "becomes SQL NULL); restore through a postgresql:// connection string; nothing was written"
                    )
            elif mirror:
                deletes.append(key)
            if t is not None and snapshot is not None and (write or (s is None and mirror)):
                saved.append((key, t))
                if len(saved) >= 1000:
                    snapshot.add(saved)
                    saved = []
            tracker.add(1)
    finally:
        target.close()
    if snapshot is not None:
        snapshot.add(saved)
    plan.changes = changes.hexdigest()
    tracker.finish()
    return walk


def plan_restore(
    backup: BackupFile, store: Store, options: RestoreOptions, progress: ProgressFn | None = None
) -> Plan:
    """Compare the backup with the target; validates the whole file and writes nothing."""
    return _walk(backup, store, options, progress).plan


# --------------------------------------------------------------------------------------------
# Restore


def restore(
    backup: BackupFile,
    store: Store,
    options: RestoreOptions,
    progress: ProgressFn | None = None,
    expected: Plan | None = None,
) -> RestoreResult:
    """Plan (validating fully), snapshot what will be overwritten, write, verify: one exclusive session.

    A dry run stops after the plan. `expected` is the plan an admin confirmed: if the store
    changed since, PlanChanged is raised and nothing is written.
    """
    if options.dry_run:
        return RestoreResult(plan_restore(backup, store, options, progress))
    with store.exclusive():
        if store.transactional and store.table_exists() and store.is_empty():
            result = _restore_into_empty(backup, store, options, progress, expected)
        else:
            result = _restore_over(backup, store, options, progress, expected)
        verify_restore(backup, store, options, progress)
        result.verified = True
    return result


def _check_expected(plan: Plan, expected: Plan | None) -> None:
    if expected is not None and not plan.same_changes(expected):
        t = plan.totals()
        raise PlanChanged(
            "the store changed since the plan was made (now: "
            f"{t.added:,} added, {t.changed:,} changed, {t.unchanged:,} unchanged, {t.extra:,} extra): "
            "nothing was written; review the new plan and confirm again"
        )


def _restore_over(
    backup: BackupFile, store: Store, options: RestoreOptions, progress: ProgressFn | None, expected: Plan | None
) -> RestoreResult:
    options.snapshot_dir.mkdir(parents=True, exist_ok=True)
    snap_path = _snapshot_path(options.snapshot_dir, store)
    with BackupWriter(snap_path, {**store.describe(), "snapshotOf": store.table}) as snapshot:
        walk = _walk(backup, store, options, progress, snapshot, fingerprint=expected is not None)
        plan = walk.plan
        _check_expected(plan, expected)
        if not (plan.writes or walk.deletes):
            return RestoreResult(plan, removed_partials=snapshot.removed_partials)
        if not store.table_exists():
            store.create_table()  # only now: a file that fails validation creates nothing
        snapshot_file = snap_path if snapshot.total else None
        if snapshot_file is not None:
            snapshot.commit()
    backup.check_unchanged()  # the flags below are positions in the file as it was planned
    tracker = Tracker(progress, Stage.WRITE, plan.writes)
    chosen = _chosen_pages(source_pages(backup, options), walk.flags)
    store.write(chain.from_iterable(tracker.counted(chosen)), walk.deletes, upsert=plan.totals().changed > 0)
    tracker.finish()
    return RestoreResult(plan, snapshot_file, written=plan.writes, deleted=len(walk.deletes),
                         removed_partials=snapshot.removed_partials)


def _chosen_pages(pages: Iterator[list[Row]], flags: bytearray) -> Iterator[list[Row]]:
    """The source rows the plan marked for writing."""
    done = 0
    for page in pages:
        chosen = list(compress(page, flags[done : done + len(page)]))
        done += len(page)
        if chosen:
            yield chosen


def _restore_into_empty(
    backup: BackupFile, store: Store, options: RestoreOptions, progress: ProgressFn | None, expected: Plan | None
) -> RestoreResult:
    """An empty table in a transactional store: validate while writing, in the session's transaction.

    Nothing can be overwritten (no snapshot needed), and a defect found in the file rolls the
    session back, so the table stays empty: nothing is written, as with a separate pass.
    """
    plan = Plan(mode=options.mode, scope=sorted(options.categories or CATEGORY_NAMES))
    counts = empty_counts()
    changes: Any = hashlib.sha256() if expected is not None else _NoHash()
    tracker = Tracker(progress, Stage.WRITE)

    def counted() -> Iterator[list[Row]]:
        for page in tracker.counted(source_pages(backup, options, plan)):
            keys = [key for key, _ in page]
            add_sorted_counts(counts, keys)
            if expected is not None:
                changes.update(b"".join([_change(b"a", key) for key in keys]))
            yield page

    store.write(chain.from_iterable(counted()), upsert=False)
    tracker.finish()
    for name, n in counts.items():
        plan.categories[name].added = n
    plan.changes = changes.hexdigest()
    _check_expected(plan, expected)
    return RestoreResult(plan, None, written=plan.writes)


def _snapshot_path(folder: Path, store: Store) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = store.table.replace(".", "_")
    path = folder / f"mvdb-snapshot-{name}-{stamp}.json"
    n = 2
    while path.exists():
        path = folder / f"mvdb-snapshot-{name}-{stamp}-{n}.json"
        n += 1
    return path


# --------------------------------------------------------------------------------------------
# Verification


def _differences(
    source: Iterator[list[Row]], target: Iterator[list[Row]], tracker: Tracker
) -> Iterator[tuple[str, bytes | None, bytes | None]]:
    """The rows whose texts are not identical on both sides: (key, source value, target value).

    Compares runs of rows as whole lists (C speed) while both sides hold the same keys, and
    falls back to a row-by-row merge join from the first run where they do not.
    """
    src = chain.from_iterable(source)
    tgt = chain.from_iterable(target)
    while s := list(islice(src, 4096)):
        t = list(islice(tgt, len(s)))
        if s != t:
            if [k for k, _ in s] != [k for k, _ in t]:
                yield from (row for row in _merge_join(chain(s, src), chain(t, tgt)) if row[1] != row[2])
                return
            yield from ((k, a, b) for (k, a), (_, b) in zip(s, t) if a != b)
        tracker.add(len(s))
    yield from ((k, None, v) for k, v in tgt)


def verify_restore(
    backup: BackupFile, store: Store, options: RestoreOptions, progress: ProgressFn | None = None
) -> None:
    """Every backup row in scope is in the target with an equal value (and, mirroring, nothing else)."""
    missing: list[str] = []
    differing: list[str] = []
    extra: list[str] = []
    tracker = Tracker(progress, Stage.VERIFY)
    target = _target_pages(store, options)
    try:
        for key, s, t in _differences(source_pages(backup, options), target, tracker):
            if t is None:
                missing.append(key)
            elif s is None:
                if options.mode == "mirror":
                    extra.append(key)
            elif not same_text(s, t):
                differing.append(key)
    finally:
        target.close()
    tracker.finish()
    problems = [
        f"{len(keys)} {what} ({', '.join(map(repr, keys[:5]))}{', …' if len(keys) > 5 else ''})"
        for what, keys in (("missing", missing), ("different", differing), ("extra", extra))
        if keys
    ]
    if problems:
        undone = "the restore was rolled back, nothing was changed" if store.transactional else (
            "the safety snapshot holds the rows it overwrote")
        raise VerificationError("verification failed: the target has " + "; ".join(problems) + f"; {undone}")


@dataclass(frozen=True)
class Change:
    """One row a restore would overwrite: its value in the store now, and the value the restore writes."""

    key: str
    current: bytes
    restored: bytes


def changed_rows(backup: BackupFile, store: Store, options: RestoreOptions, category: str, limit: int = 50
                 ) -> tuple[list[Change], bool]:
    """The first `limit` rows of one category the restore would change, and whether there are more.

    Read from the category's key ranges only, unless keys are renamed or legacy values repaired
    (then the whole file, as the restore reads it). For looking at; the plan counts them all.
    """
    scoped = RestoreOptions(mode="merge", categories=frozenset({category}), legacy_repair=options.legacy_repair,
                            remap=options.remap, keys=options.keys)
    ranges = key_ranges(category)
    if options.remap or (options.legacy_repair and backup.is_legacy):
        source: Iterator[Row] = chain.from_iterable(source_pages(backup, scoped))
    else:
        source = (row for a, b in ranges for row in backup.rows_between(a, b) if scoped.in_scope(row[0]))
    target = (row for a, b in ranges for row in store.rows_between(a, b) if scoped.in_scope(row[0])) \
        if store.table_exists() else iter(())
    found = (Change(key, t, s) for key, s, t in _merge_join(source, target)
             if s is not None and t is not None and not same_text(s, t))
    changes = list(islice(found, limit + 1))
    return changes[:limit], len(changes) > limit


def missing_keys(backup: BackupFile, keys: frozenset[str]) -> list[str]:
    """The asked-for keys that the backup does not hold: an item-level restore names them before writing."""
    found = {key for key, _ in backup.entries() if key in keys}
    return sorted(keys - found)


def parse_remap(values: list[str] | str | None) -> dict[str, str]:
    """`--remap-user OLD=NEW` (repeatable), or a text with one OLD=NEW per line (a form's field), to a dict."""
    if isinstance(values, str):
        values = [line for line in values.splitlines() if line.strip()]
    remap: dict[str, str] = {}
    for item in values or []:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(f"invalid --remap-user {item!r}: use OLD=NEW")
        remap[old.strip()] = new.strip()
    return remap
