"""Restore drills: prove that a snapshot comes back, without touching any real store.

A drill exports the snapshot (every leaf checked against its digest), restores it into a
throwaway SQLite file through the normal restore (plan, write, verification), then checks the
restored rows against the file row by row (digest) and per category. With a live store it also
compares the live store's counts with the snapshot: a store that suddenly lost half its movies is
worth an alert even when the backup itself is fine.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .backup_file import BackupFile, utc_now
from .categories import CATEGORY_NAMES
from .digest import backup_digest, store_digest
from .errors import MvdbError, UsageError
from .keys import Keys
from .repository import Repository
from .restore import RestoreOptions, restore
from .stores import DEFAULT_TABLE, Store, open_store

MAX_DROP = 50.0  # percent: a live category this much smaller than in the snapshot is a warning


@dataclass
class DrillReport:
    snapshot: str
    snapshot_time: str
    started: str
    seconds: float = 0.0
    rows: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    result: str = "failed"
    problems: list[str] = field(default_factory=list)
    against: dict[str, dict[str, int]] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result == "ok"

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot, "snapshot_time": self.snapshot_time, "started": self.started,
            "seconds": round(self.seconds, 3), "rows": self.rows, "categories": self.categories,
            "result": self.result, "problems": self.problems, "against_store": self.against,
            "warnings": self.warnings,
        }


def drill(repo: Repository, keys: Keys, ref: str | None = "latest", against: Store | None = None,
          max_drop: float = MAX_DROP) -> DrillReport:
    """Restore a snapshot into a throwaway store and check it; failures are reported, not raised.

    A key that cannot read the repository is a usage error and is raised before any work.
    """
    if not 0 < max_drop <= 100:
        raise UsageError("--max-drop is a percentage between 0 and 100")
    repo.reading_secrets(keys)
    info = repo.find(ref)
    report = DrillReport(info.id, info.time, utc_now())
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="mvdb-drill-") as work:
            folder = Path(work)
            path = folder / f"snapshot-{info.id[:8]}.json"
            meta = repo.export(info, path, keys, durable=False)
            backup = BackupFile(path)
            expected = {name: int(n) for name, n in meta["categories"].items()}
            with open_store(f"sqlite:///{folder / 'drill.sqlite3'}", DEFAULT_TABLE) as scratch:
                restore(backup, scratch, RestoreOptions(snapshot_dir=folder / "safety"))
                restored = scratch.count()
                if store_digest(scratch) != backup_digest(backup):
                    report.problems.append("the restored rows do not match the snapshot's rows (digest differs)")
            report.rows, report.categories = sum(restored.values()), restored
            for name in CATEGORY_NAMES:
                if restored.get(name, 0) != expected.get(name, 0):
                    report.problems.append(f"{name}: {restored.get(name, 0):,} rows restored, "
                                           f"the snapshot lists {expected.get(name, 0):,}")
            if sum(restored.values()) != int(meta["totalItems"]):
                report.problems.append(f"{report.rows:,} rows restored, the snapshot lists {meta['totalItems']:,}")
        if against is not None:
            report.against, report.warnings = compare_counts(expected, against.count(), info.id[:8], max_drop)
    except UsageError:
        raise
    except MvdbError as exc:
        report.problems.append(str(exc))
    report.seconds = time.monotonic() - began
    report.result = "failed" if report.problems else "ok"
    return report


def compare_counts(snapshot: dict[str, int], live: dict[str, int], label: str, max_drop: float
                   ) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Per-category differences between a snapshot and a live store, and a warning per big drop."""
    differences: dict[str, dict[str, int]] = {}
    warnings: list[str] = []
    for name in CATEGORY_NAMES:
        then, now = snapshot.get(name, 0), live.get(name, 0)
        if then == now:
            continue
        differences[name] = {"snapshot": then, "store": now, "change": now - then}
        if then and (then - now) * 100 >= max_drop * then:
            warnings.append(f"the store has {now:,} {name} rows, {100 * (then - now) / then:.0f}% fewer than "
                            f"snapshot {label} ({then:,})")
    return differences, warnings
