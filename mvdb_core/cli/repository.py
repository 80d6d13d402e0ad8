"""Commands on snapshot repositories: init, snapshot, snapshots, export (restore and stats take --repo too)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from ..backup_file import BackupFile
from ..errors import UsageError
from ..keys import Keys, keys_from_args
from ..repository import Repository, SnapshotReader, init_repository
from ..sealing import COMPRESSIONS, suffix
from .common import encrypt_args, identity_args, open_from_args, store_args
from .output import print_counts, progress_bar, size_text


def cmd_init(args: argparse.Namespace) -> int:
    keys = keys_from_args(args, encrypt=True)
    if args.no_encryption:
        if keys.encrypts:
            raise UsageError("--no-encryption cannot be combined with recipients or --passphrase")
        encryption = "none"
    elif keys.passphrase is not None:
        encryption = "passphrase"
    elif keys.recipients:
        encryption = "age"
    else:
        raise UsageError("choose the encryption: --recipient KEY (or --recipients-file F), --passphrase, "
                         "or --no-encryption")
    repo = init_repository(args.repo, encryption, keys)
    what = {"age": f"encrypted to {len(keys.recipients)} age recipient(s)",
            "passphrase": "encrypted with a passphrase", "none": "not encrypted"}[encryption]
    print(f"Repository created at {args.repo} ({what}); id {repo.id[:8]}")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    keys = keys_from_args(args)
    with open_from_args(args) as store, progress_bar() as progress:
        result = repo.snapshot(store, keys, args.tag, args.time, progress, args.allow_empty)
    if args.json:
        print(orjson.dumps(result.as_dict()).decode())
        return 0
    print(f"Snapshot {result.id[:8]} taken at {result.time}: {result.total:,} rows")
    print(f"  {result.new_leaves:,} new leaves ({size_text(result.new_bytes)} added), "
          f"{result.reused_leaves:,} reused ({size_text(result.reused_bytes)})")
    return 0


def cmd_snapshots(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    listing = repo.snapshots(keys_from_args(args))
    for name in repo.damaged:
        print(f"warning: {name} is damaged or not a snapshot; it is left out", file=sys.stderr)
    if args.json:
        print(orjson.dumps([s.as_dict() for s in listing]).decode())
        return 0
    if not listing:
        print(f"No snapshots in {args.repo} yet.")
        return 0
    print(f"{'ID':<10}{'Time':<26}{'Rows':>10}{'Added':>12}  Tags")
    for s in listing:
        rows = f"{s.total:,}" if s.total is not None else "?"
        print(f"{s.id[:8]:<10}{s.time:<26}{rows:>10}{size_text(s.size):>12}  {', '.join(s.tags)}")
    if listing[-1].total is None:
        print("(rows: give --identity to read them; the repository is encrypted)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    keys = reading_keys(args, repo)
    info = repo.find(args.snapshot)
    out = Path(args.out)
    if out.is_dir():
        out = out / (f"mvdb-snapshot-{info.id[:8]}.json" + suffix(args.compress, False))
    with progress_bar() as progress:
        meta = repo.export(info, out, keys, progress, compression=args.compress)
    print(f"Snapshot {info.id[:8]} written to {out}: {meta['totalItems']:,} rows, sha256 {meta['sha256']}")
    return 0


def cmd_repo_stats(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    info = repo.find(args.snapshot)
    meta = repo.contents(info, reading_keys(args, repo))["metadata"]
    if args.json:
        print(orjson.dumps({"total": meta["totalItems"], "categories": meta["categories"]}).decode())
    else:
        print(f"Snapshot {info.id[:8]} of {info.time}")
        print_counts(meta["categories"])
    return 0


@contextmanager
def snapshot_source(args: argparse.Namespace) -> Iterator[tuple[BackupFile, str]]:
    """The chosen snapshot as restore reads a backup file: its leaves, checked as they are read (no file written)."""
    repo = Repository(args.repo)
    keys = reading_keys(args, repo)
    info = repo.find(args.snapshot)
    reader = SnapshotReader(repo, info, keys)
    try:
        yield reader, f"Snapshot {info.id[:8]} of {repo.url}, taken {info.time}"
    finally:
        reader.close()


def reading_keys(args: argparse.Namespace, repo: Repository) -> Keys:
    keys = keys_from_args(args)
    if repo.encryption == "age" and not keys.identities:
        raise UsageError(f"the repository {repo.url} is encrypted: give its identity with --identity FILE "
                         "(or set MVDB_AGE_IDENTITY)")
    return keys


def repo_args(p: argparse.ArgumentParser, snapshot: bool = True) -> None:
    p.add_argument("--repo", required=True, metavar="REPO", help="repository: a folder or s3://bucket/prefix")
    if snapshot:
        p.add_argument("--snapshot", default="latest", metavar="ID",
                       help="snapshot id, any unique prefix of it, or latest (default)")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help="create a snapshot repository (a folder or s3://bucket/prefix)")
    repo_args(p, snapshot=False)
    encrypt_args(p)
    p.add_argument("--no-encryption", action="store_true", help="store snapshots compressed but not encrypted")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("snapshot", help="store a snapshot of a store in a repository (only changed leaves are added)")
    store_args(p)
    repo_args(p, snapshot=False)
    p.add_argument("--tag", action="append", default=[], help="label the snapshot (repeatable)")
    p.add_argument("--time", help="record this ISO 8601 time instead of now (imports, tests)")
    p.add_argument("--allow-empty", action="store_true", help="store a snapshot even when it finds no rows")
    p.add_argument("--passphrase", action="store_true", help="ask for a passphrase repository's passphrase")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("snapshots", help="list a repository's snapshots, oldest first")
    repo_args(p, snapshot=False)
    identity_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_snapshots)

    p = sub.add_parser("export", help="write a snapshot as a plain backup file")
    repo_args(p)
    p.add_argument("--out", required=True, help="file (or folder) to write")
    p.add_argument("--compress", choices=COMPRESSIONS, help="compress the file (.json.zst or .json.gz)")
    identity_args(p)
    p.set_defaults(func=cmd_export)
