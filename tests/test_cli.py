"""The command line as a user runs it: exit codes, one-line errors, output."""

from __future__ import annotations

import json

import pytest
from helpers import cli, dump, put

from mvdb_core.categories import CATEGORY_NAMES


def _one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in proc.stderr
    return lines[0]


def test_demo_backup_restore_stats_across_backends(tmp_path, pg_url):
    """The issue's 'done when' path: demo on SQLite, backup, restore into PostgreSQL, stats agree."""
    src = f"sqlite://{tmp_path}/x.db"
    p = cli("demo", "--store", src)
    assert p.returncode == 0, p.stderr
    p = cli("backup", "--store", src, "--out", f"{tmp_path}/b/")
    assert p.returncode == 0, p.stderr
    [backup_file] = (tmp_path / "b").glob("mvdb-backup-*.json")
    assert str(backup_file) in p.stdout
    p = cli("restore", str(backup_file), "--store", pg_url, "--yes", "--snapshot-dir", str(tmp_path / "s"))
    assert p.returncode == 0, p.stderr
    assert "verification passed" in p.stdout
    a = json.loads(cli("stats", "--store", src, "--json").stdout)
    b = json.loads(cli("stats", "--store", pg_url, "--json").stdout)
    f = json.loads(cli("stats", str(backup_file), "--json").stdout)
    assert a == b == f
    assert list(a["categories"]) == list(CATEGORY_NAMES) and a["total"] == sum(a["categories"].values())
    assert a["categories"]["movies"] > 1000 and all(a["categories"][c] > 0 for c in CATEGORY_NAMES)
    p = cli("diff", str(backup_file), "--store", pg_url, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["totals"]["unchanged"] == a["total"]
    p = cli("verify", str(backup_file))
    assert p.returncode == 0 and "sha256 verified" in p.stdout


def test_usage_errors_exit_2(tmp_path):
    assert cli("backup").returncode == 2  # argparse: --store missing
    p = cli("backup", "--store", "ftp://x")
    assert p.returncode == 2 and "unsupported store" in _one_error_line(p)
    p = cli("backup", "--store", f"sqlite://{tmp_path}/a.db", "--table", "x; drop table y")
    assert p.returncode == 2 and "invalid table name" in _one_error_line(p)
    p = cli("backup", "--store", f"sqlite://{tmp_path}/a.db", "--categories", "films")
    assert p.returncode == 2 and "unknown category 'films'" in _one_error_line(p)
    p = cli("stats")
    assert p.returncode == 2 and "either a backup FILE, --store URL or --repo REPO" in _one_error_line(p)
    p = cli("verify", str(tmp_path / "missing.json"))
    assert p.returncode == 2 and "not found" in _one_error_line(p)


def test_store_errors_exit_1(tmp_path):
    p = cli("backup", "--store", f"sqlite://{tmp_path}/nope.db", "--out", str(tmp_path))
    assert p.returncode == 1 and "does not exist" in _one_error_line(p)
    p = cli("stats", "--store", "postgresql://mvdb:s3cretpw@127.0.0.1:1/db")
    line = _one_error_line(p)
    assert p.returncode == 1 and "cannot connect" in line and "s3cretpw" not in p.stderr + p.stdout


def test_empty_store_backup_refused(tmp_path):
    store = f"sqlite://{tmp_path}/e.db"
    put(store, {})
    p = cli("backup", "--store", store, "--out", str(tmp_path / "out") + "/")
    assert p.returncode == 1 and "0 rows" in _one_error_line(p)
    assert not list((tmp_path / "out").glob("*.json"))
    p = cli("backup", "--store", store, "--out", str(tmp_path / "out") + "/", "--allow-empty")
    assert p.returncode == 0


def test_restore_needs_confirmation_and_dry_run_writes_nothing(tmp_path):
    src, dst = f"sqlite://{tmp_path}/s.db", f"sqlite://{tmp_path}/d.db"
    put(src, {"movie:1": {"a": 1}})
    put(dst, {"movie:2": {"b": 2}})
    assert cli("backup", "--store", src, "--out", str(tmp_path / "b.json")).returncode == 0
    p = cli("restore", str(tmp_path / "b.json"), "--store", dst)  # stdin is not a terminal, no --yes
    assert p.returncode == 2 and "--yes" in _one_error_line(p)
    p = cli("restore", str(tmp_path / "b.json"), "--store", dst, "--mode", "mirror", "--dry-run")
    assert p.returncode == 0 and "Dry run" in p.stdout and "DELETED" in p.stdout
    assert dump(dst) == {"movie:2": {"b": 2}}
    p = cli("restore", str(tmp_path / "b.json"), "--store", dst, "--mode", "mirror", "--yes",
            "--snapshot-dir", str(tmp_path / "snaps"))
    assert p.returncode == 0, p.stderr
    assert dump(dst) == {"movie:1": {"a": 1}}
    [snap] = (tmp_path / "snaps").glob("*.json")
    assert str(snap) in p.stdout


def test_verification_mismatch_exits_1(tmp_path, monkeypatch):
    """A target that silently drops writes must fail verification (exit 1, differing keys named)."""
    from mvdb_core import cli as cli_mod
    from mvdb_core.stores.sqlite import SQLiteStore

    src, dst = f"sqlite://{tmp_path}/s.db", f"sqlite://{tmp_path}/d.db"
    put(src, {"movie:1": {"a": 1}, "movie:2": {"a": 2}})
    assert cli("backup", "--store", src, "--out", str(tmp_path / "b.json")).returncode == 0
    real_write = SQLiteStore.write

    def lossy_write(self, upserts, deletes=(), **options):
        real_write(self, [r for r in upserts if r[0] != "movie:2"], deletes, **options)

    monkeypatch.setattr(SQLiteStore, "write", lossy_write)
    code = cli_mod.main(["restore", str(tmp_path / "b.json"), "--store", dst, "--yes",
                         "--snapshot-dir", str(tmp_path / "s")])
    assert code == 1


def test_debug_shows_traceback(tmp_path):
    p = cli("--debug", "backup", "--store", f"sqlite://{tmp_path}/nope.db")
    assert p.returncode != 0 and "Traceback" in p.stderr


def test_demo_refuses_non_empty_table(tmp_path):
    store = f"sqlite://{tmp_path}/x.db"
    put(store, {"movie:1": {}})
    p = cli("demo", "--store", store, "--rows", "50")
    assert p.returncode == 2 and "already holds data" in _one_error_line(p)
    assert dump(store) == {"movie:1": {}}


@pytest.mark.parametrize("args", [["--rows", "0"]])
def test_demo_bad_rows(tmp_path, args):
    p = cli("demo", "--store", f"sqlite://{tmp_path}/x.db", *args)
    assert p.returncode == 2


def test_a_backup_says_which_partial_file_of_a_killed_run_it_removed(tmp_path):
    import subprocess

    store = f"sqlite://{tmp_path}/x.db"
    put(store, {"movie:1": {"a": 1}})
    sleeper = subprocess.Popen(["sleep", "0"])
    sleeper.wait()  # a process id that is gone
    stale = tmp_path / "out" / f".mvdb-backup-2026-01-01.json.{sleeper.pid}.partial"
    stale.parent.mkdir()
    stale.write_bytes(b"{")
    p = cli("backup", "--store", store, "--out", str(tmp_path / "out") + "/")
    assert p.returncode == 0, p.stderr
    assert f"removed {stale}" in p.stdout and not stale.exists()
