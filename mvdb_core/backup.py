"""Backup: every row of the store, in key order, streamed into a new backup file."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backup_file import BackupWriter, resolve_out_path
from .categories import categorize
from .errors import StoreError
from .stores.base import Store

BackupProgress = Callable[[int, dict[str, int]], None]
"""Called after each page with the rows written so far and the per-category counts so far."""


@dataclass
class BackupResult:
    path: Path
    metadata: dict[str, Any]


def backup(
    store: Store,
    out: str | os.PathLike[str] | None = None,
    categories: frozenset[str] | None = None,
    allow_empty: bool = False,
    progress: BackupProgress | None = None,
) -> BackupResult:
    """Write a backup of `store`; raise StoreError (and leave no file) when it finds no rows."""
    path = resolve_out_path(out)
    with BackupWriter(path, store.describe(), categories) as writer:
        for page in store.iter_pages():
            if categories is not None:
                page = [row for row in page if categorize(row[0]) in categories]
            writer.add(page)
            if progress:
                progress(writer.total, writer.counts)
        if writer.total == 0 and not allow_empty:
            reason = store.empty_reason()
            what = f"categories {', '.join(sorted(categories))}" if categories else f"table {store.table}"
            raise StoreError(
                f"the backup found 0 rows in {what}; "
                + (reason or "if this is expected, pass --allow-empty")
                + "; no file was written"
            )
        meta = writer.commit()
    return BackupResult(path, meta)
