"""Progress: one typed event, reported by the core and rendered by the CLI and the dashboard.

The core reports how many rows a stage has handled (`Tracker`); a renderer turns the events into
a terminal bar (`mvdb_core.cli.output`) or Streamlit widgets (`ui.progress`). Events are
throttled here, once, so a renderer can draw every event it gets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar


class Stage(str, Enum):
    """What a long operation is doing; the value is the text key suffix the dashboard translates."""

    BACKUP = "backup"
    PLAN = "plan"
    WRITE = "write"
    VERIFY = "verify"
    DIGEST = "digest"
    SOURCE_DIGEST = "source_digest"
    DEMO = "demo"
    SNAPSHOT = "snapshot"
    EXPORT = "export"


@dataclass(frozen=True)
class ProgressEvent:
    stage: Stage
    done: int
    """Rows handled so far in this stage."""
    total: int | None = None
    """Rows this stage will handle, when known."""
    category: str | None = None
    """The category of the rows being handled, when the stage knows it."""


ProgressFn = Callable[[ProgressEvent], None]

T = TypeVar("T", bound=list)  # type: ignore[type-arg]


class Tracker:
    """Counts one stage's rows; reports at most every `interval` seconds, and always at `finish`."""

    def __init__(self, progress: ProgressFn | None, stage: Stage, total: int | None = None,
                 interval: float = 0.1) -> None:
        self.progress, self.stage, self.total, self.interval = progress, stage, total, interval
        self.done = 0
        self._last = 0.0

    def add(self, n: int, category: str | None = None) -> None:
        self.done += n
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.progress(ProgressEvent(self.stage, self.done, self.total, category))

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(self.stage, self.done, self.total or self.done))

    def counted(self, pages: Iterable[T]) -> Iterator[T]:
        """Pass `pages` through, counting each page's rows as the consumer takes it."""
        for page in pages:
            yield page
            self.add(len(page))
