"""Restores and backups while someone else writes: nothing lost, nothing mixed (docs/reliability.md).

The "someone else" is real: another PostgreSQL connection or another SQLite connection, started
at the worst moment of a restore (after its plan and safety snapshot, before its write) by
hooking the snapshot's commit, which every version of the restore calls at exactly that point.
"""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest
from helpers import dump, put

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile, BackupWriter
from mvdb_core.errors import StoreBusy
from mvdb_core.restore import RestoreOptions, restore
from mvdb_core.stores import open_store
from mvdb_core.stores.postgres import PostgresStore
from mvdb_core.stores.sqlite import SQLiteStore, sqlite_path

TABLE = "kv_store_cd38bf14"


def _file(url: str, rows: dict, folder, name: str):
    """A backup file holding exactly `rows` (made from a scratch SQLite store)."""
    scratch = f"sqlite://{folder}/{name}.sqlite3"
    put(scratch, rows)
    with open_store(scratch) as store:
        return backup(store, folder / f"{name}.json").path


def _edit(url: str, key: str, value: str) -> None:
    """The app writes one row (its own connection, its own transaction)."""
    if url.startswith("sqlite:"):
        conn = sqlite3.connect(sqlite_path(url), timeout=30)
        with conn:
            conn.execute(f"UPDATE {TABLE} SET value = ? WHERE key = ?", (value, key))
        conn.close()
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"UPDATE {TABLE} SET value = %s::jsonb WHERE key = %s", (value, key))


@pytest.fixture(params=["postgresql", "sqlite"])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/target.sqlite3"
    return request.getfixturevalue("pg_url")


def test_an_edit_made_during_a_restore_is_never_lost(target, tmp_path, monkeypatch):
    put(target, {"movie:1": {"v": "before"}, "movie:2": {"v": "keep"}})
    path = _file(target, {"movie:1": {"v": "from backup"}}, tmp_path, "b")
    app = threading.Thread(target=_edit, args=(target, "movie:1", '{"v": "edited by the app"}'))
    real_commit = BackupWriter.commit

    def commit_then_let_the_app_write(self):
        meta = real_commit(self)
        if "snapshot" in self.path.name and not app.is_alive():
            app.start()
            app.join(1.5)  # a restore that holds the table makes the app wait here
        return meta

    monkeypatch.setattr(BackupWriter, "commit", commit_then_let_the_app_write)
    with open_store(target) as store:
        result = restore(BackupFile(path), store, RestoreOptions(snapshot_dir=tmp_path / "snaps"))
    app.join(30)
    assert not app.is_alive()
    snapshot = dict(BackupFile(result.snapshot).entries())
    final = dump(target)
    # The app's value is either in the table (it wrote after the restore) or in the safety
    # snapshot (the restore overwrote it and kept it): never nowhere.
    assert final["movie:1"] == {"v": "edited by the app"} or b"edited by the app" in snapshot["movie:1"]
    assert list(snapshot) == ["movie:1"] and b"before" in snapshot["movie:1"]
    assert final["movie:2"] == {"v": "keep"}


def test_two_mirror_restores_at_once_never_leave_a_mix(target, tmp_path, monkeypatch):
    put(target, {"other:1": {"o": 1}, "other:2": {"o": 2}})
    first = {f"movie:a{i}": {"a": i} for i in range(5)}
    second = {f"movie:b{i}": {"b": i} for i in range(7)}
    files = [_file(target, first, tmp_path, "first"), _file(target, second, tmp_path, "second")]
    both_planned = threading.Barrier(2)
    real_commit = BackupWriter.commit

    def commit_and_wait_for_the_other(self):
        meta = real_commit(self)
        if "snapshot" in self.path.name:
            try:
                both_planned.wait(1.5)  # two restores that may run side by side both get here
            except threading.BrokenBarrierError:
                pass
        return meta

    monkeypatch.setattr(BackupWriter, "commit", commit_and_wait_for_the_other)
    outcome: dict[int, object] = {}

    def run(i: int) -> None:
        try:
            with open_store(target) as store:
                options = RestoreOptions(mode="mirror", snapshot_dir=tmp_path / f"snaps{i}")
                outcome[i] = restore(BackupFile(files[i]), store, options)
        except Exception as exc:  # the test looks at what each restore reported
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    final = dump(target)
    succeeded = [i for i in (0, 1) if not isinstance(outcome[i], Exception)]
    assert succeeded, outcome
    # Each restore that says it succeeded verified its file inside its own session; the table
    # now equals exactly one of the two files, never a mix of both.
    assert final in (first, second)
    if len(succeeded) == 1:
        assert isinstance(outcome[1 - succeeded[0]], StoreBusy)
        assert final == (first, second)[succeeded[0]]


def test_a_second_restore_waits_then_is_refused_with_a_clear_message(target, tmp_path):
    put(target, {"movie:1": {"v": 1}})
    path = _file(target, {"movie:1": {"v": 2}}, tmp_path, "b")
    holder = open_store(target)
    with holder, holder.exclusive():
        with open_store(target) as store:
            if isinstance(store, PostgresStore):
                store.lock_timeout = 0.5
            else:
                assert isinstance(store, SQLiteStore)
                store.busy_timeout = 0.5
            with pytest.raises(StoreBusy, match="try again when it has finished"):
                restore(BackupFile(path), store, RestoreOptions(snapshot_dir=tmp_path / "snaps"))
    assert dump(target) == {"movie:1": {"v": 1}}
    assert not list((tmp_path / "snaps").glob("*.json")) if (tmp_path / "snaps").exists() else True


def test_the_app_can_read_while_a_restore_holds_the_table(pg_url, tmp_path, monkeypatch):
    put(pg_url, {"movie:1": {"v": 1}})
    path = _file(pg_url, {"movie:1": {"v": 2}}, tmp_path, "b")
    seen: list[object] = []
    real_commit = BackupWriter.commit

    def commit_then_read(self):
        meta = real_commit(self)
        if "snapshot" in self.path.name:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute("SET lock_timeout = '1s'")
                seen.append(conn.execute(f"SELECT value FROM {TABLE} WHERE key = 'movie:1'").fetchone()[0])
        return meta

    monkeypatch.setattr(BackupWriter, "commit", commit_then_read)
    with open_store(pg_url) as store:
        restore(BackupFile(path), store, RestoreOptions(snapshot_dir=tmp_path / "snaps"))
    assert seen == [{"v": 1}]  # readers are not blocked, and see the table as it was until the commit


# --------------------------------------------------------------------------------------------
# Backups are one point in time


def test_a_sqlite_backup_is_one_point_in_time(tmp_path, monkeypatch):
    """A transfer between two rows far apart, committed while the backup reads: both halves or neither."""
    url = f"sqlite://{tmp_path}/bank.sqlite3"
    rows = {f"acct:{i:05d}": 100 for i in range(5000)}
    put(url, rows)
    real_add = BackupWriter.add
    calls = []

    def add_then_transfer(self, page):
        real_add(self, page)
        calls.append(len(page))
        if len(calls) == 1:  # the first page is written; the last one is not read yet
            conn = sqlite3.connect(sqlite_path(url), timeout=5)
            with conn:
                conn.execute(f"UPDATE {TABLE} SET value = '50' WHERE key = 'acct:00000'")
                conn.execute(f"UPDATE {TABLE} SET value = '150' WHERE key = 'acct:04999'")
            conn.close()

    monkeypatch.setattr(BackupWriter, "add", add_then_transfer)
    with open_store(url) as store:
        made = backup(store, tmp_path / "b.json")
    entries = dict(BackupFile(made.path).entries())
    assert len(calls) > 1
    assert sum(int(v) for v in entries.values()) == 100 * 5000
    assert (entries["acct:00000"], entries["acct:04999"]) == (b"100", b"100")  # the state when it began


# --------------------------------------------------------------------------------------------
# Reading a SQLite file leaves it as it is


def _delete_journal_file(path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute(f"CREATE TABLE {TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.executemany(f"INSERT INTO {TABLE} VALUES (?, ?)", [(f"movie:{i}", f'{{"i": {i}}}') for i in range(50)])
    conn.commit()
    conn.close()


def test_reading_a_sqlite_file_does_not_change_it(tmp_path):
    path = tmp_path / "app.db"
    _delete_journal_file(path)
    before = path.read_bytes()
    url = f"sqlite://{path}"
    with open_store(url) as store:
        assert store.count()["movies"] == 50
        assert len(list(store.iter_rows())) == 50
        backup(store, tmp_path / "b.json")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db", "b.json"]  # no -wal, no -shm
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_a_sqlite_file_on_read_only_storage_can_be_backed_up(tmp_path):
    import subprocess

    ro = tmp_path / "ro"
    ro.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(ro)], check=True)
    try:
        _delete_journal_file(ro / "app.db")
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        with pytest.raises(OSError):
            (ro / "probe").write_text("x")  # really read-only, even for root
        with open_store(f"sqlite://{ro}/app.db") as store:
            made = backup(store, tmp_path / "b.json")
        assert made.metadata["totalItems"] == 50
    finally:
        subprocess.run(["umount", str(ro)], check=False)


def test_writing_keeps_the_journal_mode_of_a_file_we_did_not_create(tmp_path):
    path = tmp_path / "app.db"
    _delete_journal_file(path)
    put(f"sqlite://{path}", {"movie:new": {"n": 1}})
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    fresh = tmp_path / "fresh.db"
    put(f"sqlite://{fresh}", {"movie:1": {}})  # a file we create is ours: WAL, so readers never wait
    conn = sqlite3.connect(fresh)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
