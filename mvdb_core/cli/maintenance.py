"""Commands that keep a repository small and sound: forget, prune, check, drill."""

from __future__ import annotations

import argparse
import sys

import orjson

from ..drill import MAX_DROP, drill
from ..keys import keys_from_args
from ..maintenance import PruneResult, check, forget, prune
from ..repository import Repository
from ..retention import Policy, parse_duration, parse_tags
from ..stores import DEFAULT_TABLE, KEY_ENV, open_store
from .common import identity_args
from .output import size_text
from .repository import reading_keys, repo_args

EXIT_DAMAGED = 1


def policy_from_args(args: argparse.Namespace) -> Policy:
    return Policy(
        last=args.keep_last, hourly=args.keep_hourly, daily=args.keep_daily, weekly=args.keep_weekly,
        monthly=args.keep_monthly, yearly=args.keep_yearly,
        within=parse_duration(args.keep_within) if args.keep_within else None,
        tags=tuple(parse_tags(t) for t in args.keep_tag),
    )


def cmd_forget(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    decision, pruned = forget(repo, policy_from_args(args), dry_run=args.dry_run, prune_after=args.prune)
    if args.json:
        out = decision.as_dict()
        if pruned is not None:
            out["prune"] = pruned.as_dict()
        print(orjson.dumps(out).decode())
        return 0
    verb = "would keep" if args.dry_run else "kept"
    print(f"{'Dry run: ' if args.dry_run else ''}{verb} {len(decision.keep)} snapshot(s), "
          f"{'would remove' if args.dry_run else 'removed'} {len(decision.remove)}")
    for kept in decision.keep:
        print(f"  keep    {kept.snapshot.id[:8]}  {kept.snapshot.time}  {', '.join(kept.reasons)}")
    for snap in decision.remove:
        print(f"  remove  {snap.id[:8]}  {snap.time}")
    if pruned is not None:
        _print_prune(pruned)
    return 0


def _print_prune(result: PruneResult) -> None:
    verb = "would free" if result.dry_run else "freed"
    print(f"Prune: {result.leaves_removed:,} unused leaves, {verb} {size_text(result.bytes_freed)}; "
          f"{result.leaves_kept:,} leaves kept for {result.snapshots} snapshot(s)")


def cmd_prune(args: argparse.Namespace) -> int:
    result = prune(Repository(args.repo), dry_run=args.dry_run)
    if args.json:
        print(orjson.dumps(result.as_dict()).decode())
    else:
        _print_prune(result)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    share = 1.0 if args.read_data else (args.read_data_subset or 0.0) / 100
    keys = reading_keys(args, repo) if share else keys_from_args(args)
    result = check(repo, keys, share)
    if args.json:
        print(orjson.dumps(result.as_dict()).decode())
    else:
        read = f", {result.leaves_read:,} read and checked" if share else " (structure; --read-data reads them)"
        print(f"Checked {result.snapshots} snapshot(s), {result.leaves:,} leaves{read}; "
              f"{result.unused_leaves:,} unused leaves (`prune` removes them)")
    for line in result.problems():
        print(f"damaged: {line}", file=sys.stderr)
    if not result.ok:
        print(f"error: the repository is damaged ({len(result.problems())} problem(s) above)", file=sys.stderr)
        return EXIT_DAMAGED
    if not args.json:
        print("No problems found.")
    return 0


def cmd_drill(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    keys = reading_keys(args, repo)
    if args.against_store:
        with open_store(args.against_store, args.table, args.key) as live:
            report = drill(repo, keys, args.snapshot, live, args.max_drop)
    else:
        report = drill(repo, keys, args.snapshot, None, args.max_drop)
    if args.json:
        print(orjson.dumps(report.as_dict()).decode())
    else:
        head = f"Drill of snapshot {report.snapshot[:8]} ({report.snapshot_time}):"
        if report.ok:
            print(f"{head} OK in {report.seconds:.1f} s; {report.rows:,} rows restored into a throwaway store "
                  "and checked row by row")
        else:
            print(f"{head} FAILED after {report.seconds:.1f} s (below)")
        for name, n in report.categories.items():
            if n:
                print(f"    {name:<18} {n:>10,}")
        if report.against is not None:
            if not report.against:
                print("The live store has the same counts per category as the snapshot.")
            for name, d in report.against.items():
                print(f"  live store vs snapshot: {name:<18} {d['snapshot']:>10,} -> {d['store']:>10,} "
                      f"({d['change']:+,})")
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in report.problems:
        print(f"error: {line}", file=sys.stderr)
    return 0 if report.ok and not report.warnings else 1


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("forget", help="remove snapshots a retention policy does not keep (restic's rules)")
    repo_args(p, snapshot=False)
    for name, what in (("last", "the last N snapshots"), ("hourly", "the last snapshot of each of N hours"),
                       ("daily", "... of N days"), ("weekly", "... of N ISO weeks"), ("monthly", "... of N months"),
                       ("yearly", "... of N years")):
        p.add_argument(f"--keep-{name}", type=int, default=0, metavar="N", help=f"keep {what} (-1: all)")
    p.add_argument("--keep-within", metavar="DURATION",
                   help="keep every snapshot within DURATION of the newest (restic's form: 1y2m3d4h)")
    p.add_argument("--keep-tag", action="append", default=[], metavar="T",
                   help="keep snapshots with this tag (T1,T2: with all of them; repeatable)")
    p.add_argument("--dry-run", action="store_true", help="say what would be kept and removed; change nothing")
    p.add_argument("--prune", action="store_true", help="then delete the leaves no snapshot uses")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("prune", help="delete leaves that no snapshot uses and report the bytes freed")
    repo_args(p, snapshot=False)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("check", help="check a repository's structure (and with --read-data, its contents)")
    repo_args(p, snapshot=False)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--read-data", action="store_true", help="read and check every leaf (needs the identity)")
    group.add_argument("--read-data-subset", type=_percent, metavar="PERCENT",
                       help="read and check a random PERCENT of the leaves")
    identity_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("drill", help="restore a snapshot into a throwaway store and check it (a restore drill)")
    repo_args(p)
    identity_args(p)
    p.add_argument("--against-store", metavar="URL", help="also compare this live store's counts with the snapshot")
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"KV table name (default {DEFAULT_TABLE})")
    p.add_argument("--key", help=f"Supabase API key for an https:// --against-store (or set {KEY_ENV})")
    p.add_argument("--max-drop", type=float, default=MAX_DROP, metavar="PERCENT",
                   help=f"warn when a live category has this much fewer rows than the snapshot (default {MAX_DROP:g})")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_drill)


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage (like 10 or 2.5)") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("the percentage must be above 0 and at most 100")
    return value
