"""Commands that look inside a store, a file or a snapshot: find, show."""

from __future__ import annotations

import argparse
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import orjson

from ..backup_file import BackupFile
from ..browse import Found, Query, Scope, Source, count, display_value, find, find_across, json_text
from ..categories import CATEGORY_NAMES
from ..errors import UsageError
from ..keys import keys_from_args
from ..stores import DEFAULT_TABLE, KEY_ENV, open_store
from .common import identity_args

if TYPE_CHECKING:
    from ..repository import SnapshotReader

WORKERS = min(os.cpu_count() or 1, 4) if "fork" in multiprocessing.get_all_start_methods() else 1
"""Processes a search of a big local file is split between (forked: this command runs no other thread)."""


@contextmanager
def _source(args: argparse.Namespace) -> Iterator[Source]:
    """The one source the options name: a store, a backup file or a snapshot."""
    given = [bool(args.store), bool(args.file), bool(args.repo)]
    if sum(given) != 1:
        raise UsageError("give one source: --store URL, a backup FILE, or --repo REPO [--snapshot ID]")
    if args.store:
        with open_store(args.store, args.table, args.api_key) as store:
            yield store
    elif args.file:
        yield BackupFile(args.file, keys_from_args(args), check_metadata=False)  # only its entries are read
    else:
        from ..repository import Repository, SnapshotReader
        from .repository import reading_keys

        repo = Repository(args.repo)
        reader = SnapshotReader(repo, repo.find(args.snapshot), reading_keys(args, repo))
        try:
            yield reader
        finally:
            reader.close()


def cmd_find(args: argparse.Namespace) -> int:
    scope = Scope(args.category, args.prefix, Query(args.pattern, args.regex))
    found: list[Found] = []
    if args.repo and args.snapshot == "all":
        from ..repository import Repository, SnapshotReader
        from .repository import reading_keys

        repo = Repository(args.repo)
        keys = reading_keys(args, repo)

        def each() -> Iterator[tuple[str, str, SnapshotReader]]:
            for info in repo.snapshots():
                reader = SnapshotReader(repo, info, keys)
                try:
                    yield info.id[:8], info.time, reader
                finally:
                    reader.close()

        found = find_across(each(), scope)
        n = len(found)
    else:
        with _source(args) as source:
            if args.count:
                n = count(source, scope, WORKERS)  # counts matching lines without parsing them
            else:
                found = list(find(source, scope, WORKERS))
                n = len(found)
    if args.count:
        print(orjson.dumps({"count": n}).decode() if args.json else n)
    elif args.json:
        print(orjson.dumps([f.as_dict() for f in found]).decode())
    else:
        for f in found:
            print(f"{f.key}  [{f.category}]  {f.summary}")
            for s in f.snapshots:
                print(f"    {s['id']}  {s['time']}{'  changed' if s['changed'] else ''}")
        print(f"{n:,} matching row(s)")
    return 0 if n else 1


def cmd_show(args: argparse.Namespace) -> int:
    with _source(args) as source:
        for key, value in source.rows_between(args.row_key, args.row_key + "\x01"):  # keys hold no NUL
            if key != args.row_key:
                break
            print(json_text({"key": key, "value": display_value(value)}, indent=True))
            return 0
    raise UsageError(f"no row with key {args.row_key!r} in that source; "
                     "`find` looks for it by part of its key or value")


def _source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", metavar="FILE", help="a backup file (plain, .gz, .zst, .age)")
    p.add_argument("--store", help="a store URL instead")
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"KV table name (default {DEFAULT_TABLE})")
    p.add_argument("--api-key", help=f"Supabase API key for an https:// store (or set {KEY_ENV})")
    p.add_argument("--repo", help="a repository instead (with --snapshot)")
    identity_args(p)


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("find", help="find rows by part of their key or value in a store, a file or snapshots")
    p.add_argument("pattern", metavar="PATTERN")
    _source_args(p)
    p.add_argument("--snapshot", default="latest", metavar="ID",
                   help="snapshot id, latest (default) or all (says in which snapshots each row is and changed)")
    p.add_argument("--category", choices=CATEGORY_NAMES, help="only rows of this category")
    p.add_argument("--prefix", help="only rows whose key starts with this")
    p.add_argument("--regex", action="store_true", help="PATTERN is a regular expression (case-insensitive)")
    p.add_argument("--count", action="store_true", help="print only how many rows match (like grep -c)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_find)

    p = sub.add_parser("show", help="print one row, pretty, from a store, a file or a snapshot")
    p.add_argument("row_key", metavar="KEY")
    _source_args(p)
    p.add_argument("--snapshot", default="latest", metavar="ID")
    p.set_defaults(func=cmd_show)
