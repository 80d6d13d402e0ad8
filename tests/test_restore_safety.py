"""A restore writes only what its plan said: edits that keep the counts equal, files changed mid-restore,
another writer filling a new SQLite file, two backups of one process at once, redirects, odd URLs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from helpers import dump, put
from postgrest_double import make_jwt

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile, BackupWriter
from mvdb_core.bundle import write_bundle
from mvdb_core.errors import DiskFullError, InvalidBackupError, PlanChanged, StoreError, UsageError
from mvdb_core.migration import migrate
from mvdb_core.restore import RestoreOptions, plan_restore, restore
from mvdb_core.stores import open_store
from mvdb_core.stores.rest import RestStore
from mvdb_core.stores.sqlite import SQLiteStore


def _file(rows: dict, folder, name: str):
    scratch = f"sqlite://{folder}/{name}.sqlite3"
    put(scratch, rows)
    with open_store(scratch) as store:
        return backup(store, folder / f"{name}.json").path


@pytest.fixture(params=["postgresql", "sqlite"])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/target.sqlite3"
    return request.getfixturevalue("pg_url")


def test_a_confirmed_plan_is_refused_when_other_rows_changed_with_equal_counts(target, tmp_path):
    put(target, {"movie:a": {"v": 1}, "movie:b": {"v": 2}})
    path = _file({"movie:a": {"v": 1}, "movie:c": {"v": 3}}, tmp_path, "b")
    options = RestoreOptions(mode="mirror", snapshot_dir=tmp_path / "snaps")
    with open_store(target) as store:
        confirmed = plan_restore(BackupFile(path), store, options)
    put(target, {"movie:d": {"v": 4}})  # the app adds d ...
    with open_store(target) as store:
        store.write([], ["movie:b"])  # ... and deletes b: still 1 added, 1 extra, 1 unchanged
        again = plan_restore(BackupFile(path), store, options)
        assert again.categories == confirmed.categories and not again.same_changes(confirmed)
        with pytest.raises(PlanChanged, match="nothing was written"):
            restore(BackupFile(path), store, options, expected=confirmed)
    assert dump(target) == {"movie:a": {"v": 1}, "movie:d": {"v": 4}}  # d, never in the plan, is still there


def test_a_plan_confirmed_on_an_empty_table_still_matches(target, tmp_path):
    path = _file({"movie:a": {"v": 1}, "favorite_x": {"t": "movie"}}, tmp_path, "b")
    put(target, {})
    options = RestoreOptions(snapshot_dir=tmp_path / "snaps")
    with open_store(target) as store:
        confirmed = plan_restore(BackupFile(path), store, options)
        result = restore(BackupFile(path), store, options, expected=confirmed)  # the validate-while-writing path
    assert result.verified and result.plan.same_changes(confirmed)


def test_a_backup_file_changed_between_plan_and_write_writes_nothing(tmp_path, monkeypatch):
    target = f"sqlite://{tmp_path}/t.sqlite3"
    put(target, {"movie:a": {"v": 0}})
    path = _file({"movie:a": {"v": 1}, "movie:b": {"v": 2}}, tmp_path, "b")
    real_commit = BackupWriter.commit

    def commit_then_touch(self):
        meta = real_commit(self)
        os.utime(path, ns=(1, 1))  # replaced by another file of the same size, say
        return meta

    monkeypatch.setattr(BackupWriter, "commit", commit_then_touch)
    with open_store(target) as store, pytest.raises(InvalidBackupError, match="changed while it was being restored"):
        restore(BackupFile(path), store, RestoreOptions(snapshot_dir=tmp_path / "snaps"))
    assert dump(target) == {"movie:a": {"v": 0}}


def test_another_writer_creating_the_sqlite_file_mid_restore_keeps_its_file(tmp_path, monkeypatch):
    """The restore planned against a missing file; someone else created it before the write: their data stays."""
    db = tmp_path / "new.sqlite3"
    path = _file({"movie:a": {"v": 1}}, tmp_path, "b")
    real_create = SQLiteStore.create_table

    def other_writer_first(self):  # the restore validated and planned; now it creates the table
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("CREATE TABLE kv_store_cd38bf14 (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("""INSERT INTO kv_store_cd38bf14 VALUES ('movie:a', '{"theirs": true}')""")
        conn.close()
        real_create(self)

    monkeypatch.setattr(SQLiteStore, "create_table", other_writer_first)
    with open_store(f"sqlite://{db}") as store, pytest.raises(PlanChanged, match="run the restore again"):
        restore(BackupFile(path), store, RestoreOptions(snapshot_dir=tmp_path / "snaps"))
    assert dump(f"sqlite://{db}") == {"movie:a": {"theirs": True}}


def test_two_backups_of_one_process_to_one_name_never_mix(tmp_path):
    out = tmp_path / "b.json"
    rows_a = [(f"movie:{i:04d}", b'{"a":1}') for i in range(500)]
    rows_b = [(f"movie:{i:04d}", b'{"b":2}') for i in range(700)]
    source = {"kind": "sqlite", "table": "kv"}
    with BackupWriter(out, source) as a, BackupWriter(out, source) as b:
        a.add(rows_a)
        b.add(rows_b)
        a.commit()
        with pytest.raises(UsageError, match="already exists"):
            b.commit()
    assert dict(BackupFile(out).entries()) == dict(rows_a)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]


def test_the_data_api_does_not_follow_a_redirect_with_the_key(tmp_path):
    seen: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            seen.append(self.path)
            self.send_response(301)
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    key = make_jwt({"role": "service_role"})
    try:
        with RestStore(f"http://127.0.0.1:{server.server_port}", key=key, sleep=lambda s: None) as store:
            with pytest.raises(StoreError, match="redirect") as err:
                store.count()
    finally:
        server.shutdown()
    assert len(seen) == 1 and key not in str(err.value)


def test_a_url_that_cannot_be_parsed_never_shows_its_password():
    with pytest.raises(UsageError) as err:
        open_store("postgresql://postgres:S3cr%tPass@localhost/db")
    assert "S3cr" not in str(err.value) and "percent-encoded" in str(err.value)
    try:  # libpq 16 and later refuse spaces here; older ones (psycopg-binary 3.2.1) accept them
        open_store("postgresql://postgres:pa ss word@localhost/db").close()
    except UsageError as exc:
        assert "pa ss" not in str(exc) and "percent-encoded" in str(exc)


def test_a_full_disk_while_writing_the_bundle_leaves_nothing(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], check=True)
    try:
        with open(small / "filler", "wb") as f:
            try:
                f.write(b"x" * 60_000)
            except OSError:
                pass
        with pytest.raises(DiskFullError, match="nothing was written"):
            write_bundle(small / "bundle.zip", "abcdefghijklmnopqrst", make_jwt({"role": "anon"}))
        assert sorted(p.name for p in small.iterdir()) == ["filler"]
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_a_migration_after_a_check_refuses_a_changed_plan(tmp_path, pg_url):
    source = f"sqlite://{tmp_path}/src.sqlite3"
    put(source, {"movie:a": {"v": 1}, "movie:b": {"v": 2}})
    put(pg_url, {"movie:b": {"v": 2}, "other:z": {"v": 0}})
    with open_store(source) as src, open_store(pg_url) as dst:
        checked = migrate(src, dst, tmp_path / "bk", mode="mirror", dry_run=True).plan
    put(pg_url, {"other:y": {"v": 9}})
    with open_store(pg_url) as dst:
        dst.write([], ["other:z"])  # still one extra row, a different one
    with open_store(source) as src, open_store(pg_url) as dst, pytest.raises(PlanChanged, match="check again"):
        migrate(src, dst, tmp_path / "bk", mode="mirror", expected=checked)
    assert dump(pg_url) == {"movie:b": {"v": 2}, "other:y": {"v": 9}}


def test_a_running_writer_whose_token_is_all_digits_is_not_taken_for_a_dead_one(tmp_path, monkeypatch):
    # A temp name is `.NAME.PID.tTOKEN.partial`; a hex token of eight decimal digits once read as a PID
    # of a gone process, so a second writer starting in the folder deleted the first one's file.
    import mvdb_core.backup_file as backup_file

    monkeypatch.setattr(backup_file.secrets, "token_hex", lambda n: "99536194")
    rows = [(f"movie:{i:04d}", b'{"a":1}') for i in range(10)]
    with BackupWriter(tmp_path / "a.json", {"kind": "sqlite", "table": "kv"}) as first:
        first.add(rows)
        monkeypatch.setattr(backup_file.secrets, "token_hex", lambda n: "0badf00d")
        with BackupWriter(tmp_path / "b.json", {"kind": "sqlite", "table": "kv"}) as second:
            assert second.removed_partials == []
            second.add(rows)
            second.commit()
        first.commit()
    assert dict(BackupFile(tmp_path / "a.json").entries()) == dict(rows)
