"""Keeping a repository small and sound: forget snapshots by policy, prune unused leaves, check.

`forget` removes snapshot objects that a retention policy (retention.py) does not keep; `prune`
deletes the leaves no snapshot names any more. Both hold the repository's exclusive lock
(locks.py), so a snapshot being written, which holds a shared one, never loses a leaf it reuses.
`check` reads every snapshot object and lists the leaves (no key needed); with read-data it also
decrypts and checks leaves against the digests in the snapshots' sealed parts.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidBackupError, UsageError
from .keys import Keys
from .locks import hold
from .object_store import RepositoryError
from .repository import _PARALLEL, _SMALLEST_LEAF, Repository, SnapshotInfo, leaf_object
from .retention import Decision, Policy, apply_policy


@dataclass
class PruneResult:
    snapshots: int
    leaves_kept: int
    leaves_removed: int
    bytes_freed: int
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"snapshots": self.snapshots, "leaves_kept": self.leaves_kept, "leaves_removed": self.leaves_removed,
                "bytes_freed": self.bytes_freed, "dry_run": self.dry_run}


def forget(repo: Repository, policy: Policy, dry_run: bool = False, prune_after: bool = False, wait: float = 0.0
           ) -> tuple[Decision, PruneResult | None]:
    """Remove the snapshots `policy` does not keep (and then, with `prune_after`, their unused leaves).

    `wait`: seconds to wait for snapshots and checks in progress (they hold shared locks).
    """
    if policy.empty():
        raise UsageError("no retention policy given: say what to keep (--keep-last N, --keep-daily N, ...); "
                         "nothing was removed")
    if dry_run:
        decision = apply_policy(repo.snapshots(), policy)
        return decision, (_prune(repo, dry_run=True, removing={s.id for s in decision.remove})
                          if prune_after else None)
    with hold(repo.objects, "prune", wait=wait):
        decision = apply_policy(repo.snapshots(), policy)
        if decision.removes_everything:
            raise UsageError(f"the policy ({policy.describe()}) keeps none of the {len(decision.remove)} snapshots; "
                             "nothing was removed. Check the policy with --dry-run")
        _delete(repo, [f"snapshots/{s.id}" for s in decision.remove])
        return decision, (_prune(repo) if prune_after else None)


def prune(repo: Repository, dry_run: bool = False) -> PruneResult:
    """Delete the leaves that no snapshot names (left by forget, or by a snapshot that was killed)."""
    if dry_run:
        return _prune(repo, dry_run=True)
    with hold(repo.objects, "prune"):
        return _prune(repo)


def _prune(repo: Repository, dry_run: bool = False, removing: set[str] | None = None) -> PruneResult:
    listing = [s for s in repo.snapshots() if s.id not in (removing or set())]
    if repo.damaged:
        raise RepositoryError(
            f"{len(repo.damaged)} snapshot object(s) cannot be read ({', '.join(repo.damaged[:3])}): prune removes "
            "nothing while the leaves they name are unknown; run `check` and remove them first"
        )
    used = {leaf_object(name) for info in listing for name in info.leaves}
    unused = [(name, size) for name, size in repo.objects.list("leaves/") if name not in used]
    if not dry_run:
        _delete(repo, [name for name, _ in unused])
    return PruneResult(len(listing), len(used), len(unused), sum(size for _, size in unused), dry_run)


def _delete(repo: Repository, names: list[str]) -> None:
    with ThreadPoolExecutor(_PARALLEL) as pool:
        list(pool.map(repo.objects.delete, names))
    repo.objects.flush()


# --------------------------------------------------------------------------------------------
# Checks


@dataclass
class Damage:
    """One damaged object and the snapshots that use it."""

    leaf: str
    problem: str
    snapshots: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"leaf": self.leaf, "problem": self.problem, "snapshots": self.snapshots}


@dataclass
class CheckResult:
    snapshots: int = 0
    leaves: int = 0
    leaves_read: int = 0
    unused_leaves: int = 0
    damaged: list[Damage] = field(default_factory=list)
    damaged_snapshots: dict[str, str] = field(default_factory=dict)
    """Snapshot object -> what is wrong with it."""

    @property
    def ok(self) -> bool:
        return not self.damaged and not self.damaged_snapshots

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "snapshots": self.snapshots, "leaves": self.leaves, "leaves_read": self.leaves_read,
            "unused_leaves": self.unused_leaves, "damaged": [d.as_dict() for d in self.damaged],
            "damaged_snapshots": [{"snapshot": k, "problem": v} for k, v in self.damaged_snapshots.items()],
        }

    def problems(self) -> list[str]:
        """One line per damaged object: what is wrong and which snapshots it takes down."""
        lines = [f"{name}: {problem}" for name, problem in self.damaged_snapshots.items()]
        for d in self.damaged:
            lines.append(f"leaf {d.leaf}: {d.problem}; used by snapshot(s) {', '.join(d.snapshots)}")
        return lines


def check(repo: Repository, keys: Keys | None = None, read_data: float = 0.0, seed: int | None = None
          ) -> CheckResult:
    """Check the structure (and with `read_data` > 0, that share of the leaves' contents, 1.0 = all)."""
    if not 0.0 <= read_data <= 1.0:
        raise UsageError("the read-data share must be between 0 and 100 percent")
    secret = repo.reading_secrets(keys or Keys()) if read_data else None
    with hold(repo.objects, "check"):
        listing = repo.snapshots()
        result = CheckResult(snapshots=len(listing))
        for name in repo.damaged:
            result.damaged_snapshots[name] = "cannot be read (damaged or not a snapshot)"
        stored = dict(repo.objects.list("leaves/"))
        users: dict[str, list[str]] = {}
        expected: dict[str, tuple[int | None, str | None]] = {}
        for info in listing:
            digests = _sealed_digests(repo, info, secret, result) if secret is not None else {}
            sizes = info.sizes or [None] * len(info.leaves)
            for name, size in zip(info.leaves, sizes):
                users.setdefault(name, []).append(info.id[:8])
                expected.setdefault(name, (size, digests.get(name)))
        result.leaves = len(users)
        result.unused_leaves = sum(1 for obj in stored if obj.removeprefix("leaves/")[3:] not in users)
        readable = []
        for name, (size, _digest) in expected.items():
            have = stored.get(leaf_object(name))
            if have is None:
                problem = "missing"
            elif have < _SMALLEST_LEAF or (size is not None and have != size):
                problem = f"has the wrong size ({have} bytes, the snapshot says {size})"
            else:
                readable.append(name)
                continue
            result.damaged.append(Damage(name, problem, users[name]))
        if secret is not None:
            chosen = _subset(readable, read_data, seed)
            result.leaves_read = len(chosen)

            def read(name: str) -> tuple[str, str | None]:
                sha = expected[name][1]
                if sha is None:
                    return name, None  # its snapshot's sealed part is damaged: reported there
                try:
                    repo.read_leaf(name, sha, secret, f"leaf {name[:12]}")
                except (InvalidBackupError, UsageError, RepositoryError) as exc:
                    return name, _problem(exc)
                return name, None

            with ThreadPoolExecutor(_PARALLEL) as pool:
                for name, problem in pool.map(read, chosen):
                    if problem:
                        result.damaged.append(Damage(name, problem, users[name]))
    result.damaged.sort(key=lambda d: d.leaf)
    return result


def _sealed_digests(repo: Repository, info: SnapshotInfo, secret: Any, result: CheckResult) -> dict[str, str]:
    try:
        refs = repo.open_sealed(info, secret)["leaves"]
        if len(refs) != len(info.leaves):
            raise InvalidBackupError("its two leaf lists differ")
        return {name: str(ref["sha256"]) for name, ref in zip(info.leaves, refs)}
    except (InvalidBackupError, KeyError, TypeError, ValueError) as exc:
        result.damaged_snapshots[f"snapshots/{info.id}"] = f"its sealed part is damaged ({_problem(exc)})"
        return {}


def _problem(exc: Exception) -> str:
    """The error without the leaf's name (the report names it) or the export's tail."""
    text = str(exc).replace("; nothing was written", "")
    return re.sub(r"^leaf [0-9a-f]+ (is )?", "", text)


def _subset(names: Iterable[str], share: float, seed: int | None) -> list[str]:
    names = sorted(names)
    if share >= 1.0:
        return names
    count = max(1, round(len(names) * share)) if names else 0
    return sorted(random.Random(seed).sample(names, count))
