"""Command line: `python -m mvdb_core COMMAND ...`. The dashboard calls the same functions.

Exit codes: 0 success, 1 the operation failed (store error, verification mismatch),
2 bad usage or an invalid backup file. Errors are one line on stderr; --debug adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from . import __version__
from .backup import backup
from .backup_file import BackupFile
from .categories import CATEGORY_NAMES, group_totals, parse_category_list
from .errors import MvdbError, UsageError
from .restore import Plan, RestoreOptions, parse_remap, plan_restore, restore
from .stores import DEFAULT_STORE, DEFAULT_TABLE, KEY_ENV, Store, open_store

_secrets: list[str] = []


def _remember_secrets(args: argparse.Namespace) -> None:
    """Collect the secrets given on the command line so no message can print them."""
    from urllib.parse import urlsplit

    for name in ("key", "from_key", "to_key", "anon_key"):
        value = getattr(args, name, None)
        if value:
            _secrets.append(value)
    for env in (KEY_ENV, "MVDB_FROM_KEY", "MVDB_TO_KEY"):
        if os.environ.get(env):
            _secrets.append(os.environ[env])
    for name in ("store", "from_url", "to_url", "target"):
        url = getattr(args, name, None)
        if isinstance(url, str) and "://" in url:
            try:
                pw = urlsplit(url).password
            except ValueError:
                pw = None
            if pw:
                _secrets.append(pw)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


# --------------------------------------------------------------------------------------------
# Output helpers


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, total: int | None = None) -> None:
        self.enabled = sys.stderr.isatty()
        self.label, self.total = label, total
        self._last = 0.0

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        total = total or self.total
        label = label or self.label
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            bar = "█" * filled + "░" * (width - filled)
            sys.stderr.write(f"\r{label} {bar} {done:,}/{total:,}")
        else:
            sys.stderr.write(f"\r{label} {done:,} rows")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _print_counts(counts: dict[str, int]) -> None:
    for name, value in group_totals(counts).items():
        print(f"  {name:<12} {value:>10,}")
    print("  by category:")
    for name in CATEGORY_NAMES:
        if counts.get(name):
            print(f"    {name:<18} {counts[name]:>10,}")


def _print_plan(plan: Plan) -> None:
    print(f"Plan ({plan.mode}):")
    print(f"  {'category':<18} {'added':>9} {'changed':>9} {'unchanged':>10} {'extra':>9}")
    for name, c in plan.categories.items():
        if c.added or c.changed or c.unchanged or c.extra:
            print(f"  {name:<18} {c.added:>9,} {c.changed:>9,} {c.unchanged:>10,} {c.extra:>9,}")
    t = plan.totals()
    print(f"  {'TOTAL':<18} {t.added:>9,} {t.changed:>9,} {t.unchanged:>10,} {t.extra:>9,}")
    if t.extra:
        verb = "will be DELETED (mirror)" if plan.mode == "mirror" else "stay untouched (merge)"
        print(f"  {t.extra:,} extra key(s) in the target {verb}")
    if plan.repaired:
        print(f"  legacy repair: {plan.repaired:,} master_* value(s) re-encoded as JSON strings")
    if plan.remapped or plan.user_rewrites:
        print(f"  user remap: {len(plan.remapped)} key(s) renamed, {plan.user_rewrites} value(s) with userId rewritten")
        for old, new in plan.remapped[:10]:
            print(f"    {old} -> {new}")


def _open(args: argparse.Namespace) -> Store:
    return open_store(args.store, args.table, getattr(args, "key", None))


# --------------------------------------------------------------------------------------------
# Commands


def cmd_backup(args: argparse.Namespace) -> int:
    cats = parse_category_list(args.categories)
    bar = Progress("backup")
    with _open(args) as store:
        result = backup(store, args.out, cats, args.allow_empty, lambda n, _c: bar.update(n))
    bar.done()
    meta = result.metadata
    print(f"Backup written: {result.path}")
    print(f"  {meta['totalItems']:,} rows, sha256 {meta['sha256']}")
    _print_counts(meta["categories"])
    return 0


def _restore_options(args: argparse.Namespace) -> RestoreOptions:
    return RestoreOptions(
        mode=args.mode,
        categories=parse_category_list(args.categories),
        legacy_repair=not args.no_legacy_repair,
        remap=parse_remap(args.remap_user),
        dry_run=args.dry_run,
        snapshot_dir=Path(args.snapshot_dir),
    )


def cmd_restore(args: argparse.Namespace) -> int:
    options = _restore_options(args)
    bf = BackupFile(args.file)
    print(f"Backup {bf.path.name}: version {bf.version}, {bf.metadata.get('timestamp', 'no date')}")
    with _open(args) as store:
        if options.dry_run:
            _print_plan(plan_restore(bf, store, options))
            print("Dry run: nothing was written.")
            return 0

        def confirm(plan: Plan) -> bool:
            _print_plan(plan)
            if not sys.stdin.isatty():
                raise UsageError("refusing to write without confirmation: review the plan and pass --yes")
            answer = input(f"Write {plan.writes:,} row(s) and delete {plan.deletes:,} in {store.table}? [y/N] ")
            return answer.strip().lower() in ("y", "yes")

        bar = Progress("restore")
        result = restore(
            bf, store, options, lambda stage, done, total: bar.update(done, total, stage), None if args.yes else confirm
        )
        bar.done()
        if args.yes:
            _print_plan(result.plan)
    if result.cancelled:
        print("Cancelled: nothing was written.")
        return 1
    if not result.written and not result.deleted:
        print("The target already matches the backup: nothing was written; verification passed.")
        return 0
    if result.snapshot:
        print(f"Safety snapshot of the overwritten rows: {result.snapshot}")
    print(f"Restored: {result.written:,} row(s) written, {result.deleted:,} deleted; verification passed.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    bf = BackupFile(args.file)
    summary = bf.validate()
    digest = "sha256 verified" if bf.metadata.get("sha256") else "no digest in this file (version 2.0.0)"
    print(f"OK: {args.file} is a valid backup (version {bf.version}): {summary.total:,} entries, {digest}")
    _print_counts(summary.counts)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    if (args.store is None) == (args.file is None):
        raise UsageError("give either a backup FILE or --store URL")
    if args.file:
        summary = BackupFile(args.file).validate()
        counts, total = summary.counts, summary.total
        reason = None
    else:
        with _open(args) as store:
            counts = store.count()
            total = sum(counts.values())
            reason = store.empty_reason() if total == 0 else None
    if args.json:
        print(orjson.dumps({"total": total, "categories": counts}).decode())
    else:
        _print_counts(counts)
    if reason:
        print(f"warning: {reason}", file=sys.stderr)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    options = RestoreOptions(
        mode=args.mode,
        categories=parse_category_list(args.categories),
        legacy_repair=not args.no_legacy_repair,
        remap=parse_remap(args.remap_user),
    )
    with _open(args) as store:
        plan = plan_restore(BackupFile(args.file), store, options)
    if args.json:
        print(orjson.dumps(plan.as_dict()).decode())
    else:
        _print_plan(plan)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import generate

    if args.rows < 1:
        raise UsageError("--rows must be at least 1")
    with _open(args) as store:
        if store.table_exists() and any(store.count().values()) and not args.force:
            raise UsageError(
                f"table {store.table} already holds data; demo data only goes into an empty table (or pass --force)"
            )
        if not store.table_exists():
            store.create_table()
        rows = _Regenerate(lambda: generate(args.rows, args.seed))
        bar = Progress("demo", args.rows)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            bar.update(done)

        store.write(rows, [], step)
        bar.done()
        counts = store.count()
    print(f"Demo data written to {store.table}: {sum(counts.values()):,} rows")
    _print_counts(counts)
    return 0


class _Regenerate:
    """A re-iterable stream (a store may iterate its rows twice)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __iter__(self) -> Any:
        return iter(self.make())


# --------------------------------------------------------------------------------------------
# Parser


def _store_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument(
        "--store", required=required,
        help="store URL: sqlite:///path.db, postgresql://..., https://<ref>.supabase.co "
        f"(the dashboard's default: {DEFAULT_STORE})",
    )
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"KV table name (default {DEFAULT_TABLE})")
    p.add_argument("--key", help=f"Supabase API key for https:// stores (or set {KEY_ENV})")


def _restore_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", choices=("merge", "mirror"), default="merge",
                   help="merge: upsert (default); mirror: also delete keys not in the backup, within the categories")
    p.add_argument("--categories", help="comma-separated subset of categories")
    p.add_argument("--no-legacy-repair", action="store_true",
                   help="do not re-encode master_* objects of 2.0.0 files as JSON strings")
    p.add_argument("--remap-user", action="append", metavar="OLD=NEW", help="rewrite a userId (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mvdb_core",
        description="Backup, restore and statistics for the MVDB key-value store.",
    )
    parser.add_argument("--version", action="version", version=f"mvdb-backup {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("backup", help="write a backup file of every row")
    _store_args(p)
    p.add_argument("--out", help="file or folder for the backup (default: backups/)")
    p.add_argument("--categories", help="comma-separated subset of categories")
    p.add_argument("--allow-empty", action="store_true", help="write a backup even when it finds no rows")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup file into a store (plan, snapshot, write, verify)")
    p.add_argument("file")
    _store_args(p)
    _restore_args(p)
    p.add_argument("--dry-run", action="store_true", help="print the plan and write nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--snapshot-dir", default="backups/snapshots", help="where safety snapshots go")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("verify", help="check a backup file completely (structure, keys, counts, digest)")
    p.add_argument("file")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("stats", help="rows per category of a store or a backup file")
    p.add_argument("file", nargs="?")
    _store_args(p, required=False)
    p.add_argument("--json", action="store_true", help='print {"total": N, "categories": {...}}')
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("diff", help="compare a backup file with a store (the restore plan)")
    p.add_argument("file")
    _store_args(p)
    _restore_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("demo", help="fill an empty store with realistic synthetic MVDB data")
    _store_args(p)
    p.add_argument("--rows", type=int, default=None, help="approximate number of rows")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="also write into a table that holds data")
    p.set_defaults(func=cmd_demo)

    from .cli_migration import add_migration_parsers  # migration-script, migrate

    add_migration_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _remember_secrets(args)
    if getattr(args, "rows", 0) is None:
        from .demo import DEFAULT_ROWS

        args.rows = DEFAULT_ROWS
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except MvdbError as exc:
        if args.debug:
            raise
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted: a backup leaves no partial file; a restore can be run again", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if args.debug:
            raise
        msg = " ".join(str(exc).split())[:300]
        print(f"error: unexpected {type(exc).__name__}: {redact(msg)} (run with --debug for details)", file=sys.stderr)
        return 1
