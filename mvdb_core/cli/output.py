"""What the CLI prints: counts, plans, progress bars on a terminal, prompts, one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..categories import CATEGORY_NAMES, group_totals
from ..errors import UsageError
from ..progress import ProgressEvent, ProgressFn, Stage
from ..restore import Plan

STAGE_LABELS = {
    Stage.BACKUP: "backup", Stage.PLAN: "plan", Stage.WRITE: "write", Stage.VERIFY: "verify",
    Stage.DIGEST: "digest", Stage.SOURCE_DIGEST: "source digest", Stage.DEMO: "demo",
    Stage.SNAPSHOT: "snapshot", Stage.EXPORT: "read snapshot",
}


def print_counts(counts: dict[str, int]) -> None:
    for name, value in group_totals(counts).items():
        print(f"  {name:<12} {value:>10,}")
    print("  by category:")
    for name in CATEGORY_NAMES:
        if counts.get(name):
            print(f"    {name:<18} {counts[name]:>10,}")


def print_plan(plan: Plan) -> None:
    print(f"Plan ({plan.mode}):")
    print(f"  {'category':<18} {'added':>9} {'changed':>9} {'unchanged':>10} {'extra':>9}")
    for name, c in plan.rows():
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


def print_removed(paths: list[Path]) -> None:
    """Say which leftovers of killed runs were cleaned up (hidden files nobody else would notice)."""
    for path in paths:
        print(f"note: removed {path}, a partial file left by a run that was killed")


def confirm(question: str) -> bool:
    """Ask on the terminal; without one, refuse (a script must say --yes)."""
    if not sys.stdin.isatty():
        raise UsageError("refusing to write without confirmation: review the plan and pass --yes")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


@contextmanager
def progress_bar() -> Iterator[ProgressFn | None]:
    """A progress renderer on stderr when it is a terminal (rich), else None: scripts get no bars."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bars:
        tasks: dict[Stage, int] = {}

        def render(event: ProgressEvent) -> None:
            if event.stage not in tasks:
                tasks[event.stage] = bars.add_task(STAGE_LABELS[event.stage], total=event.total)
            bars.update(tasks[event.stage], completed=event.done, total=event.total)

        yield render


def size_text(n: float) -> str:
    """Bytes for people: 812 B, 31.4 KB, 2.3 MB."""
    for unit in ("B", "KB", "MB"):
        if n < 1000:
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} GB"
