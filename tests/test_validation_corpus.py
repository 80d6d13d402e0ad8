"""The malformed-file corpus: every defect gives one clear line, exit code 2, and nothing written.

The files are derived at test time from a valid backup (tests/corpus.py). For each one:
1. `BackupFile(path).validate()` raises the expected error with a one-line message that says
   what is wrong (and names the entry, by position and key, when an entry is at fault);
2. `python -m mvdb_core restore FILE --store ... --yes` exits 2 with exactly that message as its
   only stderr line, leaves the target (a pre-filled PostgreSQL database; SQLite for a subset)
   exactly as it was, and writes no safety snapshot;
3. `python -m mvdb_core verify FILE` exits 2 with the same line.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson
import pytest
from corpus import CASES, KEYS, PREFIX, SQLITE_SUBSET, TRACEBACK, Case, make_base

from mvdb_core.backup_file import BackupFile
from mvdb_core.errors import InvalidBackupError, UsageError
from mvdb_core.stores import DEFAULT_TABLE, open_store

ROOT = Path(__file__).resolve().parent.parent

# The target before any restore: some keys the backup also holds (with other values), some it lacks.
TARGET_ROWS: dict[str, object] = {
    "master_actor_1700000000000-a1": '{"id":"a1","name":"Old name"}',
    "movie:m1": {"id": "m1", "titleEn": "Old title"},
    "movie:only-in-target": {"id": "x", "titleJp": "残す"},
    "settings": {"theme": "dark"},
}


def _ids(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id) for c in cases]


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Every case written to its own file, plus the two valid bases under 'valid-3.0.0'/'valid-2.0.0'."""
    folder = tmp_path_factory.mktemp("corpus")
    base = make_base(folder / "base")
    files = {}
    for name, data in (("valid-3.0.0", base.v3), ("valid-2.0.0", base.v2)):
        files[name] = folder / f"{name}.json"
        files[name].write_bytes(data)
    for case in CASES:
        path = folder / f"{case.id}.json"
        path.write_bytes(case.build(base))
        files[case.id] = path
    return files


def _fill(url: str) -> None:
    with open_store(url) as store:
        store.create_table()
        store.write([(k, orjson.dumps(v)) for k, v in sorted(TARGET_ROWS.items())], [])


@pytest.fixture(scope="module")
def pg_target(pg_server) -> tuple[str, list[tuple]]:
    """One pre-filled PostgreSQL database shared by the module, and its state (no case may change it)."""
    url = pg_server.create_db(f"corpus_target_{os.getpid()}")
    _fill(url)
    return url, pg_state(url)


@pytest.fixture(scope="module")
def sqlite_target(tmp_path_factory) -> tuple[str, tuple]:
    url = f"sqlite://{tmp_path_factory.mktemp('sqlite-target')}/target.sqlite3"
    _fill(url)
    return url, sqlite_state(url)


def pg_state(url: str) -> list[tuple]:
    """Every table in the database, and every row of the KV table with its value text and xmin.

    xmin changes when a row is rewritten, so even an upsert of identical values would show.
    """
    import psycopg

    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        rows = conn.execute(f"SELECT key, value::text, xmin::text FROM {DEFAULT_TABLE} ORDER BY key").fetchall()
    return [("tables", *tables), *rows]


def sqlite_state(url: str) -> tuple:
    """The SQLite file's bytes (digest) and its rows."""
    path = Path(url[len("sqlite://") :])
    if not path.exists():
        return ("no file",)
    with open_store(url) as store:
        rows = list(store.iter_rows())
    return hashlib.sha256(path.read_bytes()).hexdigest(), rows


_SCRATCH = tempfile.TemporaryDirectory(prefix="mvdb-cli-")  # removed when the test process ends


def cli(*args: str) -> subprocess.Popen:
    """The CLI in a scratch folder (never the checkout: a restore may write backups/snapshots there)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "mvdb_core", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=_SCRATCH.name,
        env=env,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def validator_message(path: Path, case: Case) -> str:
    with pytest.raises(case.error) as info:
        BackupFile(path).validate()
    return str(info.value)


def assert_rejected_by_cli(what: str, result: tuple[int, str, str], message: str) -> None:
    rc, out, err = result
    assert rc == 2, f"{what}: exit code {rc}, stderr {err!r}"
    lines = err.splitlines()
    assert len(lines) == 1, f"{what}: expected one stderr line, got {err!r}"
    assert lines[0] == f"error: {message}", what
    assert not TRACEBACK.search(err), err
    assert "Restored" not in out, out


# --------------------------------------------------------------------------------------------
# The corpus itself


def test_corpus_is_large_and_covers_both_layouts():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) >= 30
    assert sum(c.id.startswith("v3-") for c in CASES) >= 15
    assert sum(c.id.startswith("v2-") for c in CASES) >= 10
    assert SQLITE_SUBSET <= set(ids)


def test_bases_are_valid_and_restorable(corpus, pg_url, tmp_path):
    """Controls: the files the corpus derives from pass, and restoring one does change a target.

    This shows that the unchanged-target checks below would notice a write.
    """
    for name, total in (("valid-3.0.0", len(KEYS)), ("valid-2.0.0", len(KEYS))):
        assert BackupFile(corpus[name]).validate().total == total
        rc, out, err = finish(cli("verify", str(corpus[name])))
        assert rc == 0 and err == "", err
    _fill(pg_url)
    before = pg_state(pg_url)
    snaps = tmp_path / "snaps"
    rc, out, err = finish(
        cli("restore", str(corpus["valid-3.0.0"]), "--store", pg_url, "--yes", "--snapshot-dir", str(snaps))
    )
    assert rc == 0, err
    assert pg_state(pg_url) != before
    assert len(list(snaps.iterdir())) == 1  # movie:m1 and the master row were overwritten


def test_every_case_differs_from_the_valid_file(corpus):
    valid = {corpus["valid-3.0.0"].read_bytes(), corpus["valid-2.0.0"].read_bytes()}
    for case in CASES:
        assert corpus[case.id].read_bytes() not in valid, case.id


# --------------------------------------------------------------------------------------------
# 1. The validator


@pytest.mark.parametrize("case", _ids(CASES))
def test_validator_gives_one_clear_line(case, corpus):
    message = validator_message(corpus[case.id], case)
    assert "\n" not in message and "\r" not in message, message
    assert not TRACEBACK.search(message), message
    assert len(message) <= 400, message
    if case.error is InvalidBackupError:
        assert message.startswith(PREFIX), message
    else:
        assert case.error is UsageError
    assert re.search(case.expect, message[len(PREFIX) :]), f"{message!r} does not match {case.expect!r}"
    if case.entry is not None:
        position, key = case.entry
        assert re.search(rf"\bentry {position}\b", message), message
        if key is not None:
            assert f"entry {position} (key {key!r})" in message, message


# --------------------------------------------------------------------------------------------
# 2 and 3. The CLI: restore into PostgreSQL (and SQLite for a subset), verify


@pytest.mark.parametrize("case", _ids(CASES))
def test_cli_restore_postgres_and_verify_reject(case, corpus, pg_target, tmp_path):
    path = corpus[case.id]
    message = validator_message(path, case)
    snaps = tmp_path / "snapshots"
    target, initial = pg_target
    restore = cli("restore", str(path), "--store", target, "--yes", "--snapshot-dir", str(snaps))
    verify = cli("verify", str(path))
    assert_rejected_by_cli("restore", finish(restore), message)
    assert_rejected_by_cli("verify", finish(verify), message)
    assert pg_state(target) == initial
    assert not snaps.exists() or not any(snaps.iterdir())


@pytest.mark.parametrize("case", _ids([c for c in CASES if c.id in SQLITE_SUBSET]))
def test_cli_restore_sqlite_rejects(case, corpus, sqlite_target, tmp_path):
    path = corpus[case.id]
    message = validator_message(path, case)
    snaps = tmp_path / "snapshots"
    missing = f"sqlite://{tmp_path}/never-created.sqlite3"
    target, initial = sqlite_target
    into_filled = cli("restore", str(path), "--store", target, "--yes", "--snapshot-dir", str(snaps))
    into_missing = cli(
        "restore", str(path), "--store", missing, "--yes", "--mode", "mirror", "--snapshot-dir", str(snaps)
    )
    assert_rejected_by_cli("restore into a filled SQLite store", finish(into_filled), message)
    assert_rejected_by_cli("restore into a missing SQLite file", finish(into_missing), message)
    assert sqlite_state(target) == initial
    assert sqlite_state(missing) == ("no file",)
    assert not snaps.exists() or not any(snaps.iterdir())
