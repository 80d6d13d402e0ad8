"""Property: any keys and JSON values survive backup -> file -> restore on every backend, exactly."""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.errors import StoreError
from mvdb_core.jsonvalue import dumps, equal
from mvdb_core.restore import RestoreOptions, restore
from mvdb_core.stores import open_store

_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
keys = st.one_of(
    _text.filter(bool),
    st.builds(lambda p, t: p + t,
              st.sampled_from(["movie:", "master_actor_", "favorite_", "photobook_", "settings"]), _text),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_text, children, max_size=4)),
    max_leaves=12,
)
# master data: a JSON string that holds JSON
values = st.one_of(values, values.map(lambda v: json.dumps(v, ensure_ascii=False)))
datasets = st.dictionaries(keys, values, min_size=1, max_size=25)


def _exact(text: bytes):
    """Parse keeping every number exactly (PostgreSQL's numeric keeps the decimal digits)."""
    return json.loads(text, parse_float=Decimal)


@pytest.fixture(params=["sqlite", "postgresql", "rest"])
def backend(request, tmp_path_factory):
    """(source url, target url, key, clear function) for one backend kind."""
    kind = request.param
    if kind == "sqlite":
        d = tmp_path_factory.mktemp("prop")
        urls = (f"sqlite://{d}/src.db", f"sqlite://{d}/dst.db")
        key = None
    elif kind == "postgresql":
        server = request.getfixturevalue("pg_server")
        urls = (server.create_db("prop_src"), server.create_db("prop_dst"))
        key = None
    else:
        rest = request.getfixturevalue("rest_server")
        server = request.getfixturevalue("pg_server")
        urls = (server.create_db("prop_rest_src"), rest.url)
        key = rest.service_key

    def clear() -> None:
        for url in urls:
            with open_store(url, key=key if url.startswith("http") else None) as s:
                if s.table_exists():
                    s.write([], [k for k, _ in s.iter_rows(keys_only=True)])
                else:
                    s.create_table()

    return kind, urls, key, clear


@settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=datasets)
def test_backup_restore_round_trip(backend, tmp_path_factory, data):
    kind, (src_url, dst_url), key, clear = backend
    clear()
    rows = sorted((k, dumps(v)) for k, v in data.items())
    with open_store(src_url) as src:
        src.write(rows, [])
        out = tmp_path_factory.mktemp("out")
        path = backup(src, out).path
    with open_store(dst_url, key=key if dst_url.startswith("http") else None) as dst:
        if kind == "rest" and any(v is None for v in data.values()):
            # PostgREST turns a top-level JSON null into SQL NULL: refused before anything is written
            with pytest.raises(StoreError, match="JSON null"):
                restore(BackupFile(path), dst, RestoreOptions(snapshot_dir=out / "snap"))
            assert list(dst.iter_rows()) == []
            return
        result = restore(BackupFile(path), dst, RestoreOptions(snapshot_dir=out / "snap"))
        assert result.verified
        got = dict(dst.iter_rows())
    assert sorted(got) == sorted(data)
    for k, v in rows:
        assert equal(_exact(got[k]), _exact(v)), (k, v, got[k])
        assert isinstance(json.loads(got[k]), str) == isinstance(data[k], str)


def test_rest_reads_more_than_1000_rows_in_one_category(rest_server, tmp_path):
    rows = [(f"movie:{i:06d}", dumps({"id": i, "titleJp": "映画"})) for i in range(2345)]
    with psycopg.connect(rest_server.pg_url, autocommit=True) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY {rest_server.table} (key, value) FROM STDIN") as copy:
            for k, v in rows:
                copy.write_row((k, v.decode()))
    with open_store(rest_server.url, key=rest_server.service_key) as store:
        assert store.count()["movies"] == 2345
        meta = backup(store, tmp_path).metadata
    assert meta["totalItems"] == 2345 and meta["categories"]["movies"] == 2345
    # and back through REST into an emptied table
    with psycopg.connect(rest_server.pg_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {rest_server.table}")
    [path] = tmp_path.glob("mvdb-backup-*.json")
    with open_store(rest_server.url, key=rest_server.service_key) as store:
        res = restore(BackupFile(path), store, RestoreOptions(snapshot_dir=tmp_path / "s"))
    assert res.written == 2345 and res.verified


def test_anon_key_under_rls_gives_the_rls_message(rest_server, tmp_path):
    with psycopg.connect(rest_server.pg_url, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {rest_server.table} VALUES ('movie:1', '{{}}')")
    rest_server.set_rls(True)
    with open_store(rest_server.url, key=rest_server.anon_key) as store:
        with pytest.raises(StoreError, match="Row Level Security") as err:
            backup(store, tmp_path)
    assert rest_server.anon_key not in str(err.value)
    assert not list(tmp_path.glob("*.json"))
