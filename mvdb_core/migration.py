"""Direct migration: any store to any store, through a backup file.

    1. back up the source into a new file (the admin always keeps one);
    2. make sure the target table exists: `Store.apply_setup()` creates it where the backend can
       (PostgreSQL: with the app's index, RLS and policy), otherwise stops with the SQL to run;
    3. plan the restore of that file into the target. A target holding data that differs from the
       source (changed or extra keys) needs an explicit mode, merge or mirror. A target holding
       only rows equal to the source's (an interrupted earlier run) is simply completed;
    4. restore: validation, safety snapshot, write and row-by-row verification, in one exclusive
       session (`restore.restore`). That verification is the proof that the target holds the
       backup; its content digest is reported so two stores can be compared by eye;
    5. read the source once more and compare its digest with the backup's, only to tell the
       admin whether the source changed while it was being copied (the target holds the backup).

Everything streams; the memory used does not grow with the number of rows (beyond the restore's
one byte per row of bookkeeping).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .backup import backup
from .backup_file import BackupFile
from .digest import Digest, digest_rows, store_digest
from .errors import PlanChanged, StoreError, UsageError
from .progress import ProgressFn, Stage, Tracker
from .restore import MODES, Plan, RestoreOptions, RestoreResult, plan_restore, restore, source_pages
from .stores.base import Store


class ModeRequired(UsageError):
    """The target holds other data: the admin must choose --mode merge or --mode mirror."""

    def __init__(self, message: str, plan: Plan) -> None:
        super().__init__(message)
        self.plan = plan


@dataclass
class MigrationResult:
    backup_path: Path
    backup_rows: int
    plan: Plan
    mode: str
    created_table: bool = False
    restore: RestoreResult | None = None
    digest: Digest | None = None
    """Of the rows the target now holds from the backup (user remap applied)."""
    source_changed: bool = False
    notes: list[str] = field(default_factory=list)


def ensure_target_table(target: Store, setup: bool = False) -> bool:
    """Create the target table where the backend can (`setup`: also on an existing one); True when created."""
    exists = target.table_exists()
    if exists and not setup:
        return False
    target.apply_setup()
    return not exists


def migrate(
    source: Store,
    target: Store,
    backup_dir: str | os.PathLike[str] = "backups",
    mode: str | None = None,
    create_table: bool = False,
    remap: dict[str, str] | None = None,
    progress: ProgressFn | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    confirm: Callable[[Plan], bool] | None = None,
    recheck_source: bool = True,
    dry_run: bool = False,
    expected: Plan | None = None,
) -> MigrationResult:
    """Copy every row of `source` into `target` (module docstring).

    `on_plan` sees the plan before any row is written to the target; `confirm` may refuse it
    (then a UsageError is raised and no row is written; a missing target table may have been
    created). `expected` is the plan of an earlier dry run the admin saw: a migration whose plan
    differs raises PlanChanged and writes nothing. A target holding data that differs from the
    source raises ModeRequired unless `mode` is given. With `dry_run` it stops after the plan (the
    backup file is still written; the target is not touched, not even created).
    """
    if mode is not None and mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}: use merge or mirror")
    backup_dir = Path(backup_dir)
    options = RestoreOptions(mode=mode or "merge", remap=dict(remap or {}), snapshot_dir=backup_dir / "snapshots")

    backup_dir.mkdir(parents=True, exist_ok=True)
    made = backup(source, backup_dir, allow_empty=True, progress=progress)
    if made.metadata["totalItems"] == 0:
        made.path.unlink()
        reason = source.empty_reason()
        raise StoreError(
            f"the source table {source.table} has no rows"
            + (f": {reason}" if reason else " (check the URL, the table name and the key)")
            + "; nothing was migrated"
        )
    bf = BackupFile(made.path)
    result = MigrationResult(made.path, made.metadata["totalItems"], Plan(), options.mode)
    if not dry_run:
        result.created_table = ensure_target_table(target, create_table)

    plan = result.plan = plan_restore(bf, target, options, progress)
    if on_plan:
        on_plan(plan)
    totals = plan.totals()
    if mode is None and (totals.changed or totals.extra):
        raise ModeRequired(
            f"the target table {target.table} already holds other data ({totals.changed:,} key(s) with different "
            f"values, {totals.extra:,} key(s) not in the source): review the plan, then run again with "
            "--mode merge (overwrite those keys, keep the extra ones) or --mode mirror (also delete the extra ones); "
            f"the source backup is in {made.path}",
            plan,
        )
    if totals.unchanged and mode is None:
        result.notes.append(
            "the target already equals the source: nothing to write" if not plan.writes else
            f"the target already held {totals.unchanged:,} of the source's rows unchanged (an earlier run): "
            "completing it"
        )
    if dry_run:
        if not target.table_exists():
            result.notes.append(f"the target has no table {target.table} yet: the migration would create it")
        return result
    if expected is not None and not plan.same_changes(expected):
        raise PlanChanged(
            "the source or the new project changed since the check: nothing was written; check again, "
            f"review the new plan, then migrate (the source backup is in {made.path})"
        )
    if (plan.writes or plan.deletes) and confirm is not None and not confirm(plan):
        raise UsageError(f"cancelled: nothing was written to the target (the source backup is in {made.path})")

    result.restore = restore(bf, target, options, progress, expected=plan)
    result.digest = digest_rows(
        (row for page in source_pages(bf, options) for row in page), Tracker(progress, Stage.DIGEST)
    )
    if recheck_source:
        now = store_digest(source, progress, Stage.SOURCE_DIGEST)
        from_file = result.digest if not options.remap else digest_rows(bf.entries())
        result.source_changed = now != from_file
        if result.source_changed:
            result.notes.append(
                "the source changed while it was being migrated (its digest no longer matches the backup): "
                "the target holds the backup exactly; run the migration again to bring over the latest changes"
            )
    return result
