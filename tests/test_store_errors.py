"""Stores raise typed errors, told by codes (SQLSTATE, PostgREST codes, HTTP status), from real failures."""

from __future__ import annotations

import psycopg
import pytest
from pgserver import free_port
from postgrest_double import make_jwt

from mvdb_core.errors import AuthenticationError, MissingFile, MissingTable, PermissionDenied, Unreachable
from mvdb_core.stores import open_store
from mvdb_core.stores.rest import RestStore


def test_sqlite_missing_file_and_missing_table(tmp_path):
    with open_store(f"sqlite://{tmp_path}/none.db") as store, pytest.raises(MissingFile, match="does not exist"):
        store.count()
    with open_store(f"sqlite://{tmp_path}/t.db", "one") as store:
        store.create_table()
    with open_store(f"sqlite://{tmp_path}/t.db", "other") as store, pytest.raises(MissingTable):
        store.count()


def test_a_relative_sqlite_url_hints_at_three_slashes(tmp_path, monkeypatch):
    (tmp_path / "x.db").touch()
    monkeypatch.chdir(tmp_path)
    relative = str(tmp_path / "x.db").lstrip("/")
    with open_store(f"sqlite://{relative}") as store, pytest.raises(MissingFile, match="sqlite:///"):
        store.count()


def test_postgresql_errors_by_sqlstate(pg_server, pg_url):
    with open_store(pg_server.secure_url(password="not-it")) as store, pytest.raises(AuthenticationError):
        store.table_exists()
    with open_store(f"postgresql://postgres@127.0.0.1:{free_port()}/db") as store, pytest.raises(Unreachable):
        store.table_exists()
    with open_store(pg_url) as store, pytest.raises(MissingTable):
        store.count()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kv_store_cd38bf14 (key text PRIMARY KEY, value jsonb NOT NULL)")
        conn.execute("CREATE ROLE nobody LOGIN")
    with open_store(pg_url.replace("postgres@", "nobody@")) as store, pytest.raises(PermissionDenied):
        store.count()


def test_data_api_errors_by_status_and_code(rest_server):
    bad = make_jwt({"role": "service_role"}, secret=b"another project")
    with RestStore(rest_server.url, key=bad, sleep=lambda s: None) as store, pytest.raises(AuthenticationError):
        store.count()
    rest_server.set_rls(True)
    anon = RestStore(rest_server.url, key=rest_server.anon_key, sleep=lambda s: None)
    with anon, pytest.raises(PermissionDenied):
        anon.write([("movie:1", b"{}")])
    with RestStore(rest_server.url, "missing_kv", rest_server.service_key) as store, pytest.raises(MissingTable):
        store.count()
    gone = RestStore(f"http://127.0.0.1:{free_port()}", key=rest_server.service_key, sleep=lambda s: None, retries=2)
    with gone, pytest.raises(Unreachable):
        gone.count()
