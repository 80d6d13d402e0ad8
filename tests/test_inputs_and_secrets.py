"""Table names as spelled, secrets that never reach a message, and inputs that used to slip through."""

from __future__ import annotations

import json

import psycopg
import pytest
from helpers import cli, dump
from pgserver import free_port
from postgrest_double import make_jwt

from mvdb_core.errors import MissingTable, UsageError
from mvdb_core.redaction import redact, redact_url, url_secrets
from mvdb_core.stores import open_store


def _one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in proc.stderr
    assert "unexpected" not in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------------------------
# Table names


@pytest.mark.parametrize("schema", [None, "app"])
def test_mixed_case_and_schema_qualified_tables_on_postgresql(pg_url, tmp_path, schema):
    table = f"{schema}.MyKV" if schema else "MyKV"
    quoted = f'"{schema}"."MyKV"' if schema else '"MyKV"'
    with psycopg.connect(pg_url, autocommit=True) as conn:
        if schema:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f"CREATE TABLE {quoted} (key text PRIMARY KEY, value jsonb NOT NULL)")
        conn.execute(f"""INSERT INTO {quoted} VALUES ('movie:1', '{{"a": 1}}'), ('movie:2', '{{"a": 2}}')""")
    p = cli("stats", "--store", pg_url, "--table", table, "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["categories"]["movies"] == 2
    p = cli("backup", "--store", pg_url, "--table", table, "--out", str(tmp_path / "b.json"))
    assert p.returncode == 0, p.stderr
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"""UPDATE {quoted} SET value = '{{"edited": true}}' WHERE key = 'movie:1'""")
        conn.execute(f"""INSERT INTO {quoted} VALUES ('movie:3', '{{"extra": true}}')""")
    p = cli("restore", str(tmp_path / "b.json"), "--store", pg_url, "--table", table, "--mode", "mirror", "--yes",
            "--snapshot-dir", str(tmp_path / "snaps"))
    assert p.returncode == 0, p.stderr
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = dict(conn.execute(f"SELECT key, value FROM {quoted}").fetchall())
    assert rows == {"movie:1": {"a": 1}, "movie:2": {"a": 2}}
    [snap] = (tmp_path / "snaps").glob("*.json")
    p = cli("stats", str(snap), "--json")
    assert json.loads(p.stdout)["total"] == 2  # the edited row and the deleted one, kept before the write


def test_a_table_is_found_by_its_exact_name_only(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE mykv (key text PRIMARY KEY, value jsonb NOT NULL)")
    with open_store(pg_url, "MyKV") as store:
        assert not store.table_exists()
        with pytest.raises(MissingTable, match='"MyKV"'):
            store.count()
    with open_store(pg_url, "mykv") as store:
        assert store.table_exists()


@pytest.mark.parametrize("name", ['"MyKV"', "kv\n", "a.b.c", "kv store", "kv;drop", "", "1kv", "a" * 64])
def test_table_names_we_cannot_take_are_refused_before_anything_happens(tmp_path, name):
    db = tmp_path / "x.db"
    p = cli("demo", "--store", f"sqlite://{db}", "--table", name, "--rows", "10")
    assert p.returncode == 2 and "invalid table name" in _one_error_line(p)
    assert not db.exists()


def test_sqlite_tables_have_no_schema(tmp_path):
    with pytest.raises(UsageError, match="no schema"):
        open_store(f"sqlite://{tmp_path}/x.db", "main.kv")


def test_sqlite_table_names_ignore_case_as_sqlite_does(tmp_path):
    url = f"sqlite://{tmp_path}/x.db"
    with open_store(url, "MyKV") as store:
        store.write([("movie:1", b"{}")])
    with open_store(url, "mykv") as store:
        assert store.table_exists() and dump(url) == {}  # dump reads the default table name
        assert [k for k, _ in store.iter_rows()] == ["movie:1"]


def test_function_name_with_a_trailing_newline_is_refused(tmp_path):
    p = cli("migration-script", "--project-id", "abcdefghijklmnopqrst", "--anon-key", make_jwt({"role": "anon"}),
            "--function-name", "make-server\n", "--out", str(tmp_path / "bundle"))
    assert p.returncode == 2 and "--function-name" in _one_error_line(p)
    assert not (tmp_path / "bundle").exists()


# --------------------------------------------------------------------------------------------
# Secrets in URLs


SECRET = "SeCrEt-Pa55word"


# PORT becomes a free (closed) port when the test runs: test ids must not change from one collection to the next
# (pytest-xdist collects in every worker and compares).
@pytest.mark.parametrize("url", [
    f"postgresql://127.0.0.1:PORT/db?user=a&password={SECRET}",
    f"postgresql://a:{SECRET}@127.0.0.1:PORT/db",
    f"postgresql://127.0.0.1:PORT/db?sslpassword={SECRET}&sslmode=disable",
    f"mysql://127.0.0.1/db?password={SECRET}",
    f"mysql://u:{SECRET}@127.0.0.1/db",
    f"http://127.0.0.1:PORT/?apikey={SECRET}",
])
@pytest.mark.parametrize("debug", [False, True])
def test_no_message_shows_a_secret_from_a_url(url, debug):
    url = url.replace(":PORT/", f":{free_port()}/")
    p = cli(*(["--debug"] if debug else []), "stats", "--store", url)
    assert p.returncode in (1, 2)
    assert SECRET not in p.stdout + p.stderr
    if debug:
        assert "Traceback" in p.stderr
    else:
        _one_error_line(p)


def test_redact_url_masks_userinfo_and_secret_parameters():
    assert redact_url("postgresql://u:pw@h:5432/db?sslmode=require&password=x&apikey=y&token=z") == (
        "postgresql://u:***@h:5432/db?sslmode=require&password=***&apikey=***&token=***"
    )
    assert redact_url("https://ref.supabase.co/rest/v1/?apikey=abc") == "https://ref.supabase.co/rest/v1/?apikey=***"
    assert redact_url("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"
    assert redact_url("postgresql://[::1/db") == "<a URL that could not be parsed>"
    assert url_secrets("postgresql://u:pw@h/db?password=x&sslmode=y") == ["pw", "x"]
    text = "failed for postgresql://u:pw@h/db?key=abcd and again abcd"
    assert redact(text, ["abcd"]) == "failed for postgresql://u:***@h/db?key=*** and again ***"


# --------------------------------------------------------------------------------------------
# Malformed URLs


@pytest.mark.parametrize("url, what", [
    ("postgresql://u:p@127.0.0.1:notaport/db", "invalid PostgreSQL URL"),
    ("postgresql://u:p@[::1/db", "invalid PostgreSQL URL"),
    ("https://ref.supabase.co:notaport", "invalid Supabase URL"),
    ("https://[::1", "invalid Supabase URL"),
])
def test_a_malformed_url_says_what_is_wrong(url, what):
    p = cli("stats", "--store", url, "--key", "k" * 40)
    assert p.returncode == 2
    line = _one_error_line(p)
    assert what in line and "p@" not in line
