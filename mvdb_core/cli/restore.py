"""Commands that compare and restore: restore, diff."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import orjson

from ..backup_file import BackupFile
from ..browse import Query, Scope, rows
from ..categories import parse_category_list
from ..errors import UsageError
from ..keys import keys_from_args
from ..restore import NO_MIRROR_OF_ROWS, RestoreOptions, missing_keys, parse_remap, plan_restore, restore
from .common import identity_args, open_from_args, store_args
from .output import confirm, print_plan, print_removed, progress_bar
from .repository import snapshot_source


def restore_options(args: argparse.Namespace, dry_run: bool = False) -> RestoreOptions:
    return RestoreOptions(
        mode=args.mode,
        categories=parse_category_list(args.categories),
        legacy_repair=not args.no_legacy_repair,
        remap=parse_remap(args.remap_user),
        dry_run=dry_run,
        snapshot_dir=Path(getattr(args, "snapshot_dir", "backups/snapshots")),
        keys=_keys_from_args(args),
    )


def _keys_from_args(args: argparse.Namespace) -> frozenset[str] | None:
    """--keys K1,K2 and --keys-file F (one key per line) together; None when neither is given."""
    keys = [k.strip() for k in (getattr(args, "keys", None) or "").split(",") if k.strip()]
    path = getattr(args, "keys_file", None)
    if path:
        try:
            keys += [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read --keys-file {path}: {getattr(exc, 'strerror', None) or exc}") from None
        if not keys:
            raise UsageError(f"--keys-file {path} lists no key; give one key per line")
    if getattr(args, "keys", None) is not None and not keys:
        raise UsageError("--keys is empty: give the keys to restore, separated by commas")
    return frozenset(keys) if keys else None


def cmd_restore(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.repo is None):
        raise UsageError("give either a backup FILE or --repo REPO (with --snapshot ID)")
    options = restore_options(args, args.dry_run)
    if args.repo:
        with snapshot_source(args) as (bf, title):
            print(title)
            return _restore(args, bf, options)
    bf = BackupFile(args.file, keys_from_args(args))
    print(f"Backup {bf.path.name}: version {bf.version}, {bf.metadata.get('timestamp', 'no date')}")
    return _restore(args, bf, options)


def _restore(args: argparse.Namespace, bf: BackupFile, options: RestoreOptions) -> int:
    if getattr(args, "match", None) is not None:
        if not args.match.strip():
            raise UsageError("--match is empty: give the text to look for in the keys and values; nothing was written")
        if options.mode == "mirror":
            raise UsageError(NO_MIRROR_OF_ROWS)
        found = frozenset(key for key, _ in rows(bf, Scope(query=Query(args.match))))
        if options.keys is not None:
            found &= options.keys
        if not found:
            raise UsageError(f"no row of the backup matches --match {args.match!r}"
                             f"{' among --keys' if options.keys is not None else ''}; nothing was written. "
                             "`find` shows what the backup holds")
        options = replace(options, keys=found)
    if options.keys is not None:
        missing = missing_keys(bf, options.keys)
        if missing:
            raise UsageError(f"{len(missing)} of the keys are not in the backup ({', '.join(missing[:5])}"
                             f"{', …' if len(missing) > 5 else ''}); nothing was written. `find` shows which "
                             "backups hold them")
        if not any(map(options.in_scope, options.keys)):
            raise UsageError(f"none of the rows to restore is in --categories {args.categories}; nothing was written. "
                             "Leave out --categories, or name the categories of those rows (`find` shows them)")
    with open_from_args(args) as store:
        expected = None
        if options.dry_run or not args.yes:
            with progress_bar() as progress:
                expected = plan_restore(bf, store, options, progress)
            print_plan(expected)
            if options.dry_run:
                print("Dry run: nothing was written.")
                return 0
            if (expected.writes or expected.deletes) and not confirm(
                f"Write {expected.writes:,} row(s) and delete {expected.deletes:,} in {store.table}?"
            ):
                print("Cancelled: nothing was written.")
                return 1
        with progress_bar() as progress:
            result = restore(bf, store, options, progress, expected)
    print_removed(result.removed_partials)
    if args.yes:
        print_plan(result.plan)
    if not result.written and not result.deleted:
        print("The target already matches the backup: nothing was written; verification passed.")
        return 0
    if result.snapshot:
        print(f"Safety snapshot of the overwritten rows: {result.snapshot}")
    print(f"Restored: {result.written:,} row(s) written, {result.deleted:,} deleted; verification passed.")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    with open_from_args(args) as store:
        plan = plan_restore(BackupFile(args.file, keys_from_args(args)), store, restore_options(args))
    if args.json:
        print(orjson.dumps(plan.as_dict()).decode())
    else:
        print_plan(plan)
    return 0


def restore_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", choices=("merge", "mirror"), default="merge",
                   help="merge: upsert (default); mirror: also delete keys not in the backup, within the categories")
    p.add_argument("--categories", help="comma-separated subset of categories")
    p.add_argument("--no-legacy-repair", action="store_true",
                   help="do not re-encode master_* objects of 2.0.0 files as JSON strings")
    p.add_argument("--remap-user", action="append", metavar="OLD=NEW", help="rewrite a userId (repeatable)")
    p.add_argument("--keys", metavar="K1,K2", help="restore only these keys (item-level restore; merge mode)")
    p.add_argument("--keys-file", metavar="FILE", help="restore only the keys listed in FILE, one per line")
    p.add_argument("--match", metavar="TEXT",
                   help="restore only the rows `find TEXT` lists in the backup: TEXT in key or value (any case)")
    identity_args(p)


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("restore", help="restore a backup file or a repository's snapshot into a store "
                       "(plan, safety snapshot, write, verify)")
    p.add_argument("file", nargs="?")
    p.add_argument("--repo", help="restore a snapshot of this repository instead of a file")
    p.add_argument("--snapshot", default="latest", metavar="ID", help="snapshot id or prefix (default latest)")
    store_args(p)
    restore_args(p)
    p.add_argument("--dry-run", action="store_true", help="print the plan and write nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--snapshot-dir", default="backups/snapshots", help="where safety snapshots go")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("diff", help="compare a backup file with a store (the restore plan)")
    p.add_argument("file")
    store_args(p)
    restore_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)
