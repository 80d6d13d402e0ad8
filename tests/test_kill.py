"""`kill -9` in the middle of a restore: the target is as it was, the lock is gone, a re-run completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import ROOT, dump, put

from mvdb_core.backup import backup
from mvdb_core.demo import generate
from mvdb_core.jsonvalue import loads
from mvdb_core.stores import open_store


@pytest.fixture(params=["postgresql", "sqlite"])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/target.sqlite3"
    return request.getfixturevalue("pg_url")


def test_a_restore_killed_after_its_snapshot_leaves_the_target_unchanged_and_a_rerun_completes(target, tmp_path):
    rows = {k: loads(v) for k, v in generate(20_000, seed=5)}
    source = f"sqlite://{tmp_path}/source.sqlite3"
    put(source, rows)
    with open_store(source) as store:
        path = backup(store, tmp_path / "b.json").path
    before = {k: {"old": True} for k in list(rows)[::2]}
    put(target, before)
    snaps = tmp_path / "snaps"
    cmd = [sys.executable, "-m", "mvdb_core", "restore", str(path), "--store", target, "--mode", "mirror", "--yes",
           "--snapshot-dir", str(snaps)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(snaps.glob("mvdb-snapshot-*.json")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the restore ended before it could be killed"
    proc.send_signal(signal.SIGKILL)  # the snapshot is there: the write is about to start or running
    proc.wait()
    assert dump(target) == before  # one transaction: nothing of the interrupted write is visible
    again = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr  # the killed session's lock is gone with it
    assert "verification passed" in again.stdout
    assert dump(target) == rows
