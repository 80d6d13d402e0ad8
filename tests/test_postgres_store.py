"""PostgreSQL store details that the round-trip tests do not show."""

from __future__ import annotations

import psycopg
import pytest
from pgserver import SECURE_PASSWORD, free_port

from mvdb_core.errors import AuthenticationError, MissingTable, StoreError, Unreachable
from mvdb_core.stores import open_store


def test_a_wrong_password_is_an_authentication_error_without_the_password(pg_server):
    with open_store(pg_server.secure_url(password="wrong-Pa55word")) as st, pytest.raises(AuthenticationError) as err:
        st.count()
    assert "wrong-Pa55word" not in str(err.value) and "password" in str(err.value)
    with open_store(pg_server.secure_url()) as st:  # the right one logs in
        st.create_table()
        assert st.count()["movies"] == 0


def test_nothing_listening_is_unreachable_after_retries(monkeypatch):
    import mvdb_core.retry as retry

    waits: list[float] = []
    real = retry.call_with_retries
    monkeypatch.setattr("mvdb_core.stores.postgres.call_with_retries",
                        lambda fn, transient, attempts: real(fn, transient, attempts, sleep=waits.append))
    url = f"postgresql://mvdb_secure:{SECURE_PASSWORD}@127.0.0.1:{free_port()}/db"
    with open_store(url) as st, pytest.raises(Unreachable) as err:
        st.count()
    assert len(waits) == 2 and waits[1] > waits[0]  # three tries, growing waits
    assert SECURE_PASSWORD not in str(err.value) and "cannot connect" in str(err.value)


def test_reads_come_in_pages_and_an_early_stop_leaves_the_connection_usable(pg_url):
    rows = [(f"k{i:05d}", b'{"n": %d}' % i) for i in range(2500)]
    with open_store(pg_url) as st:
        st.create_table()
        st.write(rows, [])
        pages = list(st.iter_pages(page_size=1000))
        assert [len(p) for p in pages] == [1000, 1000, 500]
        assert [r for p in pages for r in p] == rows  # the server's JSON text, byte for byte
        first = next(iter(st.iter_pages(page_size=100)))  # abandoned mid-stream: the query is cancelled
        assert first == rows[:100]
        assert st.count()["other"] == 2500


def test_keys_with_control_characters_round_trip(pg_url):
    keys = ["tab\there", "new\nline", "back\\slash", "cr\rx", "quote\"d", "日本語"]
    with open_store(pg_url) as st:
        st.create_table()
        st.write([(k, b"1") for k in sorted(keys)], [])
        assert [k for k, _ in st.iter_rows()] == sorted(keys)
        assert [k for k, _ in st.iter_rows(keys_only=True)] == sorted(keys)


def test_non_c_collation_still_reads_in_code_point_order(pg_server):
    url = pg_server.create_db("collation_test")
    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute(
            "SELECT collname FROM pg_collation WHERE collname IN ('en-US-x-icu', 'und-x-icu')"
        ).fetchone()
        if found is None:
            pytest.skip("no ICU collation in this PostgreSQL build")
        conn.execute(
            f'CREATE TABLE kv_store_cd38bf14 (key TEXT COLLATE "{found[0]}" PRIMARY KEY, value JSONB NOT NULL)'
        )
    keys = ["movie:a", "movie_link:1", "Movie:b", "movies", "~", "a", "B"]
    with open_store(url) as st:
        st.write([(k, b"{}") for k in keys], [])
        assert [k for k, _ in st.iter_rows()] == sorted(keys)


def test_missing_table_message_has_the_sql(pg_url):
    with open_store(pg_url) as st, pytest.raises(MissingTable, match="CREATE TABLE IF NOT EXISTS kv_store_cd38bf14"):
        st.count()


def test_a_database_in_another_encoding_reads_and_writes_utf8_exactly(pg_server):
    url = pg_server.create_db("latin1_test")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS latin1_db")
        conn.execute("CREATE DATABASE latin1_db ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    rows = [("café:ü", '{"name": "Zoë", "note": "ß"}'.encode()), ("plain", b"[1, 2]")]
    with open_store(url.rsplit("/", 1)[0] + "/latin1_db") as st:
        st.create_table()
        st.write(rows, [])
        assert list(st.iter_rows()) == rows


def test_a_null_value_is_reported_not_read_as_garbage(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE nullable_kv (key text PRIMARY KEY, value jsonb)")
        conn.execute("""INSERT INTO nullable_kv VALUES ('a', '{"x": 1}'), ('b', NULL)""")
    with open_store(pg_url, table="nullable_kv") as st, pytest.raises(StoreError, match="NULL value"):
        list(st.iter_rows())
