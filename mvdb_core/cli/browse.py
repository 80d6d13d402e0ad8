"""Commands that look inside a store, a file or a snapshot: find, show."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain

import orjson

from ..backup_file import BackupFile
from ..browse import display_value, find, find_across
from ..categories import CATEGORY_NAMES
from ..errors import UsageError
from ..keys import keys_from_args
from ..repository import Repository, SnapshotReader
from ..stores import DEFAULT_TABLE, KEY_ENV, open_store
from ..stores.base import Row
from .common import identity_args
from .repository import reading_keys


@contextmanager
def _rows(args: argparse.Namespace) -> Iterator[Iterator[Row]]:
    """The rows of the one source the options name, in key order."""
    given = [bool(args.store), bool(args.file), bool(args.repo)]
    if sum(given) != 1:
        raise UsageError("give one source: --store URL, a backup FILE, or --repo REPO [--snapshot ID]")
    if args.store:
        with open_store(args.store, args.table, args.api_key) as store:
            pages = store.iter_pages()
            try:
                yield chain.from_iterable(pages)
            finally:
                pages.close()  # before the store closes: a read left open must end first
    elif args.file:
        yield BackupFile(args.file, keys_from_args(args)).entries()
    else:
        repo = Repository(args.repo)
        reader = SnapshotReader(repo, repo.find(args.snapshot), reading_keys(args, repo))
        try:
            yield reader.entries()
        finally:
            reader.close()


def cmd_find(args: argparse.Namespace) -> int:
    if args.repo and args.snapshot == "all":
        repo = Repository(args.repo)
        keys = reading_keys(args, repo)

        def each() -> Iterator[tuple[str, str, Iterator[Row]]]:
            for info in repo.snapshots():
                reader = SnapshotReader(repo, info, keys)
                try:
                    yield info.id[:8], info.time, reader.entries()
                finally:
                    reader.close()

        found = find_across(each(), args.pattern, args.regex, args.category)
    else:
        with _rows(args) as rows:
            found = list(find(rows, args.pattern, args.regex, args.category))
    if args.json:
        print(orjson.dumps([f.as_dict() for f in found]).decode())
        return 0
    for f in found:
        print(f"{f.key}  [{f.category}]  {f.summary}")
        for s in f.snapshots:
            print(f"    {s['id']}  {s['time']}{'  changed' if s['changed'] else ''}")
    print(f"{len(found):,} matching row(s)")
    return 0 if found else 1


def cmd_show(args: argparse.Namespace) -> int:
    with _rows(args) as rows:
        for key, value in rows:
            if key == args.row_key:
                print(orjson.dumps({"key": key, "value": display_value(value)}, option=orjson.OPT_INDENT_2).decode())
                return 0
            if key > args.row_key:  # rows come in key order
                break
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
    p.add_argument("--regex", action="store_true", help="PATTERN is a regular expression (case-insensitive)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_find)

    p = sub.add_parser("show", help="print one row, pretty, from a store, a file or a snapshot")
    p.add_argument("row_key", metavar="KEY")
    _source_args(p)
    p.add_argument("--snapshot", default="latest", metavar="ID")
    p.set_defaults(func=cmd_show)
