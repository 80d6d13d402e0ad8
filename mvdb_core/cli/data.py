"""Commands on data: backup, verify, stats, demo."""

from __future__ import annotations

import argparse
import sys

import orjson

from ..backup import backup
from ..backup_file import BackupFile
from ..categories import parse_category_list
from ..demo import DEFAULT_ROWS, seed_store
from ..errors import UsageError
from ..keys import keys_from_args
from ..sealing import COMPRESSIONS
from .common import encrypt_args, identity_args, open_from_args, store_args
from .output import print_counts, print_removed, progress_bar
from .repository import cmd_repo_stats


def cmd_backup(args: argparse.Namespace) -> int:
    cats = parse_category_list(args.categories)
    keys = keys_from_args(args, encrypt=True)
    with open_from_args(args) as store, progress_bar() as progress:
        result = backup(store, args.out, cats, args.allow_empty, progress, compression=args.compress, keys=keys)
    meta = result.metadata
    print_removed(result.removed_partials)
    print(f"Backup written: {result.path}")
    print(f"  {meta['totalItems']:,} rows, sha256 {meta['sha256']}")
    print_counts(meta["categories"])
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    bf = BackupFile(args.file, keys_from_args(args))
    summary = bf.validate()
    digest = "sha256 verified" if bf.metadata.get("sha256") else "no digest in this file (version 2.0.0)"
    print(f"OK: {args.file} is a valid backup (version {bf.version}): {summary.total:,} entries, {digest}")
    print_counts(summary.counts)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    if args.repo:
        if args.store or args.file:
            raise UsageError("give one of a backup FILE, --store URL or --repo REPO")
        return cmd_repo_stats(args)
    if (args.store is None) == (args.file is None):
        raise UsageError("give either a backup FILE, --store URL or --repo REPO")
    reason = None
    if args.file:
        summary = BackupFile(args.file, keys_from_args(args)).validate()
        counts, total = summary.counts, summary.total
    else:
        with open_from_args(args) as store:
            counts = store.count()
            total = sum(counts.values())
            reason = store.empty_reason() if total == 0 else None
    if args.json:
        print(orjson.dumps({"total": total, "categories": counts}).decode())
    else:
        print_counts(counts)
    if reason:
        print(f"warning: {reason}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    with open_from_args(args) as store, progress_bar() as progress:
        counts = seed_store(store, args.rows, args.seed, args.force, progress)
    print(f"Demo data written to {store.table}: {sum(counts.values()):,} rows")
    print_counts(counts)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="write a backup file of every row")
    store_args(p)
    p.add_argument("--out", help="file or folder for the backup (default: backups/)")
    p.add_argument("--categories", help="comma-separated subset of categories")
    p.add_argument("--allow-empty", action="store_true", help="write a backup even when it finds no rows")
    p.add_argument("--compress", choices=COMPRESSIONS, help="compress the file (.json.zst or .json.gz)")
    encrypt_args(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("verify", help="check a backup file completely (structure, keys, counts, digest)")
    p.add_argument("file")
    identity_args(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("stats", help="rows per category of a store or a backup file")
    p.add_argument("file", nargs="?")
    store_args(p, required=False)
    p.add_argument("--repo", help="a snapshot repository (with --snapshot): the counts of a snapshot")
    p.add_argument("--snapshot", default="latest", metavar="ID", help="snapshot id or prefix (default latest)")
    p.add_argument("--json", action="store_true", help='print {"total": N, "categories": {...}}')
    identity_args(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("demo", help="fill an empty store with realistic synthetic MVDB data")
    store_args(p)
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS,
                   help=f"approximate number of rows (default {DEFAULT_ROWS})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="also write into a table that holds data")
    p.set_defaults(func=cmd_demo)
