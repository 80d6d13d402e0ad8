"""Commands that move the app: migration-script, migrate."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..bundle import DEFAULT_FUNCTION_NAME, write_bundle
from ..errors import UsageError
from ..migration import migrate
from ..restore import Plan, parse_remap
from ..stores import DEFAULT_TABLE, KEY_ENV, open_store, store_kind
from .output import confirm, print_plan, progress_bar

FROM_KEY_ENV = "MVDB_FROM_KEY"
TO_KEY_ENV = "MVDB_TO_KEY"


def cmd_migration_script(args: argparse.Namespace) -> int:
    bundle = write_bundle(args.out, args.project_id, args.anon_key, args.table, args.old_project_id, args.function_name)
    print(f"Migration bundle for project {args.project_id} written: {bundle.path}")
    for name in bundle.files:
        print(f"  {name}")
    print("Steps: see README.md (English and Indonesian). The anon key is in 02_update_app_config.py only;")
    print("service keys and database passwords are read from environment variables, never stored.")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from_key = args.from_key or os.environ.get(FROM_KEY_ENV)
    to_key = args.to_key or os.environ.get(TO_KEY_ENV)
    if store_kind(args.from_url) == store_kind(args.to_url) == "supabase":
        missing = [opt for opt, key in (("--from-key", from_key), ("--to-key", to_key)) if not key]
        if missing:
            raise UsageError(
                f"both stores use the Data API, so each needs its own key: give {' and '.join(missing)} "
                f"(or set {FROM_KEY_ENV} / {TO_KEY_ENV})"
            )
    if args.from_url.strip() == args.to_url.strip():
        raise UsageError("--from and --to are the same store")
    remap = parse_remap(args.remap_user)

    def ask(plan: Plan) -> bool:
        return args.yes or confirm(f"Write {plan.writes:,} row(s) and delete {plan.deletes:,} in the target?")

    source_store = open_store(args.from_url, args.table, from_key)
    target_store = open_store(args.to_url, args.table, to_key)
    with source_store as source, target_store as target:
        print(f"Migrating {source.display} -> {target.display} (table {args.table})")
        with progress_bar() as progress:
            result = migrate(
                source, target, backup_dir=args.backup_dir, mode=args.mode, create_table=args.create_table,
                remap=remap, progress=progress, on_plan=print_plan, confirm=ask,
            )
    print(f"Backup of the source: {result.backup_path} ({result.backup_rows:,} rows)")
    if result.created_table:
        print(f"Created table {args.table} in the target.")
    restored = result.restore
    if restored is not None:
        if restored.snapshot:
            print(f"Safety snapshot of the overwritten rows: {restored.snapshot}")
        print(f"Written: {restored.written:,} row(s), deleted: {restored.deleted:,}; every row verified.")
    if result.digest is not None:
        print(f"Content digest of the migrated rows: sha256 {result.digest.sha256} ({result.digest.rows:,} rows)")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("migration-script", help="write the bundle that moves the MVDB app to a new Supabase project")
    p.add_argument("--project-id", required=True, metavar="NEW_REF", help="the new project's reference id")
    p.add_argument("--anon-key", required=True, metavar="KEY", help="the new project's anon (public) key")
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"KV table name (default {DEFAULT_TABLE})")
    p.add_argument("--old-project-id", metavar="OLD", help="the old project id (default: read from the app's info.tsx)")
    p.add_argument("--function-name", default=DEFAULT_FUNCTION_NAME,
                   help=f"the app's edge function (default {DEFAULT_FUNCTION_NAME})")
    p.add_argument("--out", required=True, type=Path, metavar="DIR_OR_ZIP", help="a folder, or a path ending in .zip")
    p.set_defaults(func=cmd_migration_script)

    p = sub.add_parser(
        "migrate",
        help="copy every row from one store to another, with a backup first and a verification after",
    )
    p.add_argument("--from", dest="from_url", required=True, metavar="URL", help="the source store URL")
    p.add_argument("--to", dest="to_url", required=True, metavar="URL", help="the target store URL")
    p.add_argument("--from-key", help=f"API key of an https:// source (or set {FROM_KEY_ENV}; else {KEY_ENV})")
    p.add_argument("--to-key", help=f"API key of an https:// target (or set {TO_KEY_ENV}; else {KEY_ENV})")
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"KV table name (default {DEFAULT_TABLE})")
    p.add_argument("--create-table", action="store_true",
                   help="PostgreSQL target: also apply the app's table setup (index, RLS, policy) to an existing table")
    p.add_argument("--remap-user", action="append", metavar="OLD=NEW", help="rewrite a userId (repeatable)")
    p.add_argument("--mode", choices=("merge", "mirror"),
                   help="required when the target holds other data: merge keeps extra keys, mirror deletes them")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--backup-dir", default="backups",
                   help="where the source backup and snapshots go (default backups/)")
    p.set_defaults(func=cmd_migrate)
