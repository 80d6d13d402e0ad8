"""Error hints follow the error's type: each case is a real failing store, not an invented message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pgserver import free_port

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.demo import seed_store
from mvdb_core.restore import RestoreOptions, plan_restore, restore
from mvdb_core.stores import open_store
from mvdb_core.stores.sqlite import SQLiteStore
from ui.errors import classify
from ui.i18n import TEXTS


def _error(action: Callable[[], object]) -> BaseException:
    try:
        action()
    except Exception as exc:  # the error is what the test is about
        return exc
    raise AssertionError("no error")


def _hint(exc: BaseException) -> str:
    return classify(exc)[1]


def test_sqlite_file_that_does_not_exist(tmp_path):
    with open_store(f"sqlite://{tmp_path}/nowhere/mvdb.sqlite3") as store:
        exc = _error(store.count)
    assert _hint(exc) == "hint.missing_file"
    assert "file path" in TEXTS["en"]["hint.missing_file"]


def test_relative_sqlite_url_of_an_absolute_file_says_three_slashes(tmp_path, monkeypatch):
    real = tmp_path / "x.db"
    with open_store(f"sqlite://{real}") as store:
        store.create_table()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    relative = f"sqlite://{str(real).lstrip('/')}"  # what `sqlite://tmp/x.db` means: relative to the folder
    with open_store(relative) as store:
        exc = _error(store.count)
    assert _hint(exc) == "hint.missing_file"
    assert f"sqlite:///{str(real).lstrip('/')}" in str(exc)


def test_wrong_postgresql_password(pg_server):
    with open_store(pg_server.secure_url(password="wrong")) as store:
        exc = _error(store.count)
    assert _hint(exc) == "hint.bad_login"
    for lang in TEXTS:
        assert "internet" not in TEXTS[lang]["hint.bad_login"]
    assert "password" in TEXTS["en"]["hint.bad_login"]


def test_nothing_listening_at_the_address():
    with open_store(f"postgresql://postgres:pw@127.0.0.1:{free_port()}/postgres") as store:
        exc = _error(store.count)
    assert _hint(exc) == "hint.no_connection"
    assert "internet connection" in TEXTS["en"]["hint.no_connection"]


def test_missing_table_in_postgresql(pg_url):
    with open_store(pg_url) as store:
        exc = _error(store.count)
    assert _hint(exc) == "hint.table_missing"
    assert "CREATE TABLE" in str(exc)  # the message holds the SQL


def test_anon_key_under_row_level_security(rest_server):
    rest_server.set_rls(True)
    with open_store(rest_server.url, key=rest_server.anon_key) as store:
        exc = _error(lambda: store.write([("zz:1", b"1")]))
    assert _hint(exc) == "hint.permission"
    assert "service_role" in TEXTS["en"]["hint.permission"]


def test_wrong_supabase_key(rest_server):
    with open_store(rest_server.url, key="wrong-key-" + "x" * 30) as store:
        exc = _error(store.count)
    assert _hint(exc) == "hint.bad_login"


def test_another_restore_holds_the_sqlite_file(tmp_path):
    path = tmp_path / "s.db"
    with open_store(f"sqlite://{path}") as store:
        store.create_table()
    holder = SQLiteStore(f"sqlite://{path}", "kv_store_cd38bf14")
    waiter = SQLiteStore(f"sqlite://{path}", "kv_store_cd38bf14", busy_timeout=0.1)
    try:
        with holder.exclusive():
            exc = _error(lambda: waiter.write([("a", b"1")]))
    finally:
        holder.close()
        waiter.close()
    assert classify(exc) == ("error.store_busy", "hint.busy")


def test_store_changed_since_the_plan(tmp_path: Path):
    url = f"sqlite://{tmp_path}/s.db"
    with open_store(url) as store:
        seed_store(store, rows=100)
        made = backup(store, tmp_path / "b.json")
        store.write([("zz:1", b"1")])
        options = RestoreOptions(mode="mirror", snapshot_dir=tmp_path / "snaps")
        plan = plan_restore(BackupFile(made.path), store, options)
        store.write([("zz:2", b"2")])  # after the admin looked at the plan
        exc = _error(lambda: restore(BackupFile(made.path), store, options, expected=plan))
    assert classify(exc) == ("error.plan_changed", "hint.plan_changed")


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_every_hint_says_what_to_do(lang):
    hints = [key for key in TEXTS[lang] if key.startswith("hint.")]
    assert hints and all(TEXTS[lang][key].startswith("**") for key in hints)
