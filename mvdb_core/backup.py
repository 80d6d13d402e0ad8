"""Backup: every row of the store, in key order, streamed into a new backup file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .backup_file import BackupWriter, pack_file, partial_path, resolve_out_path
from .categories import categorize
from .errors import StoreError
from .keys import Keys
from .progress import ProgressFn, Stage, Tracker
from .sealing import suffix
from .stores.base import Store


@dataclass
class BackupResult:
    path: Path
    metadata: dict[str, Any]
    removed_partials: list[Path] = field(default_factory=list)
    """Hidden partial files of killed runs that were removed from the folder."""


def backup(
    store: Store,
    out: str | os.PathLike[str] | None = None,
    categories: frozenset[str] | None = None,
    allow_empty: bool = False,
    progress: ProgressFn | None = None,
    total: int | None = None,
    compression: str | None = None,
    keys: Keys | None = None,
) -> BackupResult:
    """Write a backup of `store` (one point in time); raise StoreError (and leave no file) when it finds no rows.

    `total`, when the caller counted the rows already, makes the progress events say how far along it is.
    With `compression` ("zstd", "gzip") or encrypting `keys`, the plain file is written first under
    a hidden name, then packed into the final one.
    """
    keys = keys or Keys()
    path = resolve_out_path(out, suffix=suffix(compression, keys.encrypts))
    if not compression and not keys.encrypts:
        return _write(store, path, categories, allow_empty, progress, total)
    plain = partial_path(path, "plain")
    try:
        result = _write(store, plain, categories, allow_empty, progress, total)
        pack_file(plain, path, compression, keys)
    finally:
        plain.unlink(missing_ok=True)
    result.path = path
    return result


def _write(
    store: Store,
    path: Path,
    categories: frozenset[str] | None,
    allow_empty: bool,
    progress: ProgressFn | None,
    total: int | None,
) -> BackupResult:
    tracker = Tracker(progress, Stage.BACKUP, total)
    with BackupWriter(path, store.describe(), categories) as writer:
        pages = store.iter_pages()
        try:
            for page in pages:
                if categories is not None:
                    page = [row for row in page if categorize(row[0]) in categories]
                writer.add(page)
                if page:
                    tracker.add(len(page), categorize(page[-1][0]))
        finally:
            pages.close()
        if writer.total == 0 and not allow_empty:
            reason = store.empty_reason()
            what = f"categories {', '.join(sorted(categories))}" if categories else f"table {store.table}"
            raise StoreError(
                f"the backup found 0 rows in {what}; "
                + (reason or "if this is expected, pass --allow-empty")
                + "; no file was written"
            )
        meta = writer.commit()
    tracker.finish()
    return BackupResult(path, meta, writer.removed_partials)
