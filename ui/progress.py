"""The dashboard's renderer of the core's progress events (mvdb_core.progress): one bar per stage.

The core throttles its events already, so every event is drawn. Every page that runs a long
operation (backup, demo data, plan, restore, migration) passes a `Bars` as `progress=`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mvdb_core.progress import ProgressEvent, Stage
from ui import labels
from ui.texts import number, t


def stage_label(stage: Stage) -> str:
    return t("stage." + stage.value)


class Bars:
    """A progress bar per stage, labelled in the admin's language, in the order the stages start.

    `expected` is the number of rows to show progress against when an event brings no total
    (e.g. the plan of a file whose row count the page already knows).
    """

    def __init__(self, expected: int | None = None, where: Any = None) -> None:
        self.expected = expected
        self._box = (where or st).container()
        self._bars: dict[Stage, Any] = {}

    def __call__(self, event: ProgressEvent) -> None:
        total = event.total or self.expected
        bar = self._bars.get(event.stage)
        if bar is None:
            bar = self._bars[event.stage] = self._box.progress(0.0)
        fraction = min(event.done / total, 1.0) if total else 0.0
        bar.progress(fraction, text=self._text(event, total))

    @staticmethod
    def _text(event: ProgressEvent, total: int | None) -> str:
        label = stage_label(event.stage)
        if event.total is not None and event.done >= event.total:
            return f"{label}: {number(event.done)} ✅"
        if total:
            text = t("progress.of", stage=label, done=event.done, total=total)
        else:
            text = f"{label}: {number(event.done)}"
        return f"{text} ({labels.category(event.category)})" if event.category else text
