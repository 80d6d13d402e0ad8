"""Locks in a repository: who may work on it at the same time.

A lock is a small object under `locks/` (kind, host, process, time, expiry). Taking one writes it,
then lists the others: a conflicting live lock means the new one is removed again and the command
stops (two that start in the same instant may both stop; neither ever runs over the other).
Snapshots and checks take shared locks; prune takes an exclusive one, so it never deletes a leaf
that a snapshot being written is about to name; scheduled jobs take a `job` lock so two runs never
overlap. A held lock is refreshed in the background; one whose process died (same host) or that
was not refreshed for `STALE_AFTER` is ignored and removed. Details: docs/repository.md.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson

from .object_store import ObjectMissing, ObjectStore, RepositoryError

PREFIX = "locks/"
STALE_AFTER = 30 * 60.0  # seconds without a refresh after which a lock is a dead run's
REFRESH_EVERY = 5 * 60.0
KINDS = ("job", "snapshot", "check", "prune")
_CONFLICTS = {
    "job": {"job"},
    "snapshot": {"prune"},
    "check": {"prune"},
    "prune": {"snapshot", "check", "prune"},
}
_WHAT = {"job": "a job run", "snapshot": "a snapshot", "check": "a check", "prune": "a prune"}


class RepositoryLocked(RepositoryError):
    """Another live process holds a lock that this command cannot share."""


@dataclass(frozen=True)
class LockInfo:
    name: str
    kind: str
    host: str
    pid: int
    time: float
    refreshed: float

    def stale(self, now: float) -> bool:
        if now - self.refreshed > STALE_AFTER:
            return True
        return self.host == socket.gethostname() and self.pid != os.getpid() and not _alive(self.pid)

    def describe(self) -> str:
        since = datetime.fromtimestamp(self.time, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{_WHAT.get(self.kind, self.kind)} on {self.host} (pid {self.pid}) since {since}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def locks(objects: ObjectStore) -> Iterator[LockInfo]:
    """The locks in the repository (a lock removed while listing is skipped)."""
    for name, _size in list(objects.list(PREFIX)):
        try:
            body = orjson.loads(objects.get(name))
            yield LockInfo(name, str(body["kind"]), str(body["host"]), int(body["pid"]), float(body["time"]),
                           float(body["refreshed"]))
        except ObjectMissing:
            continue
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            # Unreadable: treat it as a live lock of unknown kind until it is old enough to ignore.
            yield LockInfo(name, "unknown", "?", 0, 0.0, time.time())


class Lock:
    """A held lock; `release()` (or leaving `hold`) removes it."""

    def __init__(self, objects: ObjectStore, kind: str) -> None:
        self.objects, self.kind = objects, kind
        self.started = time.time()
        self.name = f"{PREFIX}{time.time_ns():020d}-{secrets.token_hex(6)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _write(self) -> None:
        self.objects.put(self.name, orjson.dumps({
            "kind": self.kind, "host": socket.gethostname(), "pid": os.getpid(),
            "time": self.started, "refreshed": time.time(),
        }))

    def _refresh_loop(self) -> None:
        while not self._stop.wait(REFRESH_EVERY):
            with suppress(RepositoryError):  # the next refresh tries again; STALE_AFTER leaves room for several
                self._write()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with suppress(RepositoryError):
            self.objects.delete(self.name)


def acquire(objects: ObjectStore, kind: str, wait: float = 0.0) -> Lock:
    """Take a lock of `kind`, waiting up to `wait` seconds for conflicting ones to go."""
    deadline = time.monotonic() + wait
    while True:
        lock = Lock(objects, kind)
        lock._write()
        blocker = None
        now = time.time()
        for other in locks(objects):
            if other.name == lock.name or (other.kind != "unknown" and other.kind not in _CONFLICTS[kind]):
                continue
            if other.stale(now):
                with suppress(RepositoryError):
                    objects.delete(other.name)  # a dead run's lock; whoever sees it first removes it
                continue
            blocker = other
            break
        if blocker is None:
            lock._thread = threading.Thread(target=lock._refresh_loop, name=f"lock-{kind}", daemon=True)
            lock._thread.start()
            return lock
        with suppress(RepositoryError):
            objects.delete(lock.name)
        if time.monotonic() >= deadline:
            raise RepositoryLocked(
                f"the repository {objects.url} is busy: {blocker.describe()}; try again when it has finished "
                f"(a lock of a dead run is ignored after {int(STALE_AFTER // 60)} minutes)"
            )
        time.sleep(min(5.0, max(0.2, deadline - time.monotonic())))


@contextmanager
def hold(objects: ObjectStore, kind: str, wait: float = 0.0) -> Iterator[Lock]:
    lock = acquire(objects, kind, wait)
    try:
        yield lock
    finally:
        lock.release()
