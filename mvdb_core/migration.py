"""Direct migration: any store to any store, through a backup file, verified by content digest.

    1. back up the source into a new file (the admin always keeps one);
    2. make sure the target table exists: created where the backend can (PostgreSQL: the table as
       the app needs it, with its index, RLS and policy; SQLite: the plain table), otherwise stop
       with the SQL to run (the Supabase Data API cannot create tables);
    3. plan the restore of that file into the target. A target holding data that differs from the
       source (changed or extra keys) needs an explicit mode, merge or mirror. A target holding
       only rows equal to the source's (an interrupted earlier run) is simply completed;
    4. restore (validation, safety snapshot, write, row-by-row verification: `restore.restore`);
    5. compare content digests: the target against the backup as restored (user remap applied),
       and the source, read again, against the backup (to tell whether it changed meanwhile).

Everything streams; the memory used does not grow with the number of rows (beyond the restore's
one byte per row of bookkeeping).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .backup import backup
from .backup_file import BackupFile
from .bundle import setup_sql
from .digest import Digest, DigestBuilder, digest_rows, store_digest
from .errors import StoreError, UsageError, VerificationError
from .restore import (
    Plan,
    RestoreOptions,
    RestoreResult,
    Source,
    _merge_join,
    plan_restore,
    restore,
    stage_progress,
)
from .stores.base import Row, Store

MigrationProgress = Callable[[str, int, int | None], None]
"""Called with (stage, rows done in this stage, stage total if known)."""


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
    expected: Digest | None = None
    target: Digest | None = None
    source_now: Digest | None = None
    backup_digest: Digest | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def source_changed(self) -> bool:
        return self.source_now is not None and self.backup_digest is not None and self.source_now != self.backup_digest


# --------------------------------------------------------------------------------------------
# The target table


def ensure_target_table(target: Store, setup: bool = False) -> bool:
    """Create the target table where the backend can; True when it was created.

    PostgreSQL gets the full setup SQL (table, index, RLS, policy), also on an existing table when
    `setup` is set. A store that cannot create tables raises StoreError holding the SQL to run.
    """
    exists = target.table_exists()
    if exists and not (setup and target.kind == "postgresql"):
        return False
    if target.kind == "postgresql":
        _run_setup_sql(target)
    elif target.kind == "sqlite":
        target.create_table()
    else:
        sql = " ".join(line for line in setup_sql(target.table).splitlines() if line and not line.startswith("--"))
        raise StoreError(
            f"table {target.table} does not exist in the target and its API cannot create it: run this SQL in the "
            f"project's SQL Editor (or 01_create_table.sql of `migration-script`), then run the migration again: {sql}"
        )
    return not exists


def _run_setup_sql(target: Store) -> None:
    import psycopg

    url: str = target.url  # type: ignore[attr-defined]
    password = None
    try:
        from urllib.parse import urlsplit

        password = urlsplit(url).password
    except ValueError:
        pass
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=15, application_name="mvdb-backup") as conn:
            conn.execute(setup_sql(target.table))
    except psycopg.Error as exc:
        msg = " ".join(str(exc).split())
        if password:
            msg = msg.replace(password, "***")
        raise StoreError(
            f"cannot create table {target.table} in the target: {msg}; run 01_create_table.sql of "
            "`migration-script` as the database owner, then run the migration again"
        ) from None


# --------------------------------------------------------------------------------------------
# Migration


def migrate(
    source: Store,
    target: Store,
    backup_dir: str | os.PathLike[str] = "backups",
    mode: str | None = None,
    create_table: bool = False,
    remap: dict[str, str] | None = None,
    progress: MigrationProgress | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    confirm: Callable[[Plan], bool] | None = None,
    recheck_source: bool = True,
    dry_run: bool = False,
) -> MigrationResult:
    """Copy every row of `source` into `target` and prove the copy by digest (module docstring).

    `on_plan` sees the plan before anything is written to the target; `confirm` may refuse it
    (then a UsageError is raised and nothing is written). A target holding data that differs
    from the source raises ModeRequired unless `mode` is given. With `dry_run` it stops after the
    plan (the backup file is still written; the target is not touched, not even created).
    """
    if mode is not None and mode not in ("merge", "mirror"):
        raise UsageError(f"unknown mode {mode!r}: use merge or mirror")
    backup_dir = Path(backup_dir)
    options = RestoreOptions(
        mode=mode or "merge",
        remap=dict(remap or {}),
        snapshot_dir=backup_dir / "snapshots",
    )

    # 1. The backup file of the source.
    backup_dir.mkdir(parents=True, exist_ok=True)
    step = stage_progress(progress, "backup", None)
    done = 0

    def on_page(n: int, _counts: dict[str, int]) -> None:
        nonlocal done
        if step:
            step(n - done)
        done = n

    made = backup(source, backup_dir, allow_empty=True, progress=on_page)
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

    # 2. The target table.
    if not dry_run:
        result.created_table = ensure_target_table(target, create_table)

    # 3. The plan, and the mode it needs.
    plan = plan_restore(bf, target, options)
    result.plan = plan
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
    if (plan.writes or plan.deletes) and confirm is not None and not confirm(plan):
        raise UsageError(f"cancelled: nothing was written to the target (the source backup is in {made.path})")

    # 4. Restore from the file (snapshot, write, row-by-row verification).
    result.restore = restore(bf, target, options, progress)

    # 5. Digests.
    result.expected, result.target = verify_by_digest(bf, target, options, stage_progress(progress, "digest", None))
    if recheck_source:
        # Without a remap the rows restored are the backup's own rows (a fresh 3.0.0 file needs no
        # legacy repair): their digest is the expected one.
        result.backup_digest = result.expected if not options.remap else digest_rows(bf.entries())
        result.source_now = store_digest(source, stage_progress(progress, "source digest", None))
        if result.source_changed:
            result.notes.append(
                "the source changed while it was being migrated (its digest no longer matches the backup): "
                "the target holds the backup exactly; run the migration again to bring over the latest changes"
            )
    return result


def verify_by_digest(
    backup: BackupFile, target: Store, options: RestoreOptions, progress: Callable[[int], None] | None = None
) -> tuple[Digest, Digest]:
    """Digests of the backup as restored (user remap applied) and of the target; equal or VerificationError.

    The target's digest covers every row in scope; in merge mode only the backup's keys, since
    extra keys in the target stay there by design. One merge-join pass over both streams.
    """
    source = Source(backup, RestoreOptions(**{**vars(options), "dry_run": False}))
    expected, actual = DigestBuilder(), DigestBuilder()
    extra = 0
    target_rows: Iterator[Row] = (
        (row for row in target.iter_rows() if source.in_scope(row[0])) if target.table_exists() else iter(())
    )
    n = 0
    for key, s, t in _merge_join(iter(source), target_rows):
        if s is not None:
            expected.add(key, s)
        if t is not None:
            if s is None:
                extra += 1
                if options.mode == "merge":
                    continue
            actual.add(key, t)
        n += 1
        if progress and n % 5000 == 0:
            progress(5000)
    want, got = expected.result(), actual.result()
    if want != got:
        what = f"{extra:,} extra key(s)" if extra and options.mode == "mirror" else "different content"
        raise VerificationError(
            f"digest verification failed: the target ({got}) does not equal the source as restored "
            f"({want}): {what}; run the migration again"
        )
    return want, got
