"""Small helpers shared by tests: fill a store, dump it, run the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mvdb_core.jsonvalue import dumps
from mvdb_core.stores import open_store

ROOT = Path(__file__).resolve().parent.parent


def put(url: str, rows: dict[str, object], key: str | None = None, raw: bool = False) -> None:
    """Write {key: value} into a store (values encoded as JSON unless raw bytes are given)."""
    with open_store(url, key=key) as store:
        if not store.table_exists():
            store.create_table()
        store.write([(k, v if raw else dumps(v)) for k, v in sorted(rows.items())], [])


def dump(url: str, key: str | None = None) -> dict[str, object]:
    """All rows of a store as {key: parsed value}."""
    with open_store(url, key=key) as store:
        if not store.table_exists():
            return {}
        return {k: json.loads(v) for k, v in store.iter_rows()}


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m mvdb_core ARGS`, by default in a scratch folder: what it writes by default (backups/) never
    lands in the checkout."""
    import os
    import tempfile

    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT)
    with tempfile.TemporaryDirectory(prefix="mvdb-cli-") as scratch:
        return subprocess.run(
            [sys.executable, "-m", "mvdb_core", *args], capture_output=True, text=True, cwd=cwd or scratch,
            env=full_env, timeout=300,
        )


def demo_store(folder: Path, rows: int, seed: int) -> str:
    """A new SQLite store holding `rows` demo rows; returns its URL."""
    from mvdb_core.demo import generate

    url = f"sqlite://{folder}/source.sqlite3"
    with open_store(url) as store:
        store.create_table()
        store.write(list(generate(rows, seed=seed)))
    return url
