"""Direct migration between real stores: SQLite, PostgreSQL (two databases), the Data API test double."""

from __future__ import annotations

import json

import psycopg
import pytest
from helpers import cli, dump, put

from mvdb_core.backup_file import BackupFile
from mvdb_core.digest import Digest, backup_digest, canonical, store_digest
from mvdb_core.errors import StoreError, UsageError
from mvdb_core.jsonvalue import dumps, same_text
from mvdb_core.migration import ModeRequired, ensure_target_table, migrate
from mvdb_core.stores import DEFAULT_TABLE, open_store


def sample(n: int = 2500) -> dict[str, bytes]:
    """Raw JSON texts: SQLite keeps them as written, jsonb respells them (spaces, key order, 1e2)."""
    rows = {f"movie:{i:05d}": dumps({"id": str(i), "titleJp": f"映画 {i}", "n": i * 1.5, "tags": "a,b"})
            for i in range(n)}
    rows.update({
        "master_actor_1": dumps(json.dumps({"id": "1", "name": "Aoi", "type": "actor"})),  # a string holding JSON
        "movie_type_colors": dumps(json.dumps({"HC": "#fff"})),
        "movie_type_colors:u1": b'{"HC": "#000"}',
        "favorite_fav_1": dumps({"id": "fav_1", "type": "movie", "itemId": "1", "userId": "u1"}),
        "favorite_fav_2": dumps({"id": "fav_2", "type": "cast", "itemId": "2", "userId": "u9"}),
        "custom_nav_items:u1": dumps([{"id": "n1", "label": "Mine", "userId": "u1"}]),
        "photobooksX": b"42",
        "settings": b'"plain string"',
        "spelled": b'{"b": 1e2, "a": [1.50, -0.0, 123456789012345678901234567890, true], "c": {"z": null}}',
    })
    return rows


RLS_ON = f"SELECT relrowsecurity FROM pg_class WHERE oid = '{DEFAULT_TABLE}'::regclass"


def pg_texts(url: str, table: str = DEFAULT_TABLE) -> dict[str, str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return dict(conn.execute(f"SELECT key, value::text FROM {table}").fetchall())


def assert_same(rows: dict[str, bytes], got: dict[str, str]) -> None:
    assert sorted(got) == sorted(rows)
    for key, text in got.items():
        assert same_text(rows[key], text.encode()), key


def rest_store(server, **kw):
    from mvdb_core.stores.rest import RestStore

    return RestStore(server.url, server.table, server.service_key, sleep=lambda s: None, **kw)


class Interrupted(Exception):
    pass


def interrupt_writes(store, after: int, action=None) -> None:
    """Make the store's next write stop after `after` rows (or run `action` there), like a killed run."""
    original = store.write

    def write(upserts, deletes=(), **options):
        def rows():
            for i, row in enumerate(upserts):
                if i == after:
                    if action is None:
                        raise Interrupted
                    action()
                yield row

        store.write = original
        return original(rows(), deletes, **options)

    store.write = write


# --------------------------------------------------------------------------------------------
# Digests


def test_canonical_values_ignore_spelling_only():
    same = [(b'{"a": 1, "b": [1.0, 2]}', b'{"b":[1,2],"a":1}'), (b"1e2", b"100"), (b"1.50", b"1.5"),
            (b"-0.0", b"0"), (b"0.000001", b"1e-6"), (b"1e23", b"100000000000000000000000"),
            (b"123456789012345678901234567890", b"1.23456789012345678901234567890e29"),
            (b'{"a":1,"a":2}', b'{"a":2}'), (b'"\\u0061"', b'"a"')]
    for a, b in same:
        assert canonical(a) == canonical(b), (a, b)
    differ = [(b"true", b"1"), (b'"1"', b"1"), (b"0.1", b"0.10000000000000001"), (b'"{\\"a\\":1}"', b'{"a":1}'),
              (b"[1,2]", b"[2,1]"), (b"12345678901234567890", b"12345678901234567891")]
    for a, b in differ:
        assert canonical(a) != canonical(b), (a, b)


def test_store_and_backup_digests_agree_across_backends(sqlite_url, pg_url, tmp_path):
    rows = sample(300)
    put(sqlite_url, rows, raw=True)
    put(pg_url, rows, raw=True)
    assert pg_texts(pg_url)["spelled"] != rows["spelled"].decode()  # jsonb did respell it
    with open_store(sqlite_url) as a, open_store(pg_url) as b:
        d = store_digest(a)
        assert d == store_digest(b) and d.rows == len(rows)
        from mvdb_core.backup import backup

        path = backup(b, tmp_path).path
    assert backup_digest(BackupFile(path)) == d
    put(pg_url, {"movie:00001": b'{"id": "1", "changed": true}'}, raw=True)
    with open_store(pg_url) as b:
        assert store_digest(b) != d


# --------------------------------------------------------------------------------------------
# Migrations between backends


def test_sqlite_to_postgresql(sqlite_url, pg_url, tmp_path):
    rows = sample()
    put(sqlite_url, rows, raw=True)
    plans = []
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        result = migrate(src, dst, tmp_path / "bk", on_plan=plans.append)
        assert store_digest(src) == store_digest(dst) == result.digest
    assert result.created_table and result.restore and result.restore.written == len(rows)
    assert plans[0].totals().added == len(rows)
    assert result.digest.rows == len(rows) and not result.source_changed and result.notes == []
    assert BackupFile(result.backup_path).validate().total == len(rows)
    assert result.backup_path.parent == tmp_path / "bk"
    got = pg_texts(pg_url)
    assert_same(rows, got)
    assert isinstance(json.loads(got["master_actor_1"]), str)
    with psycopg.connect(pg_url, autocommit=True) as conn:  # created as the app needs it: RLS on
        assert conn.execute(RLS_ON).fetchone()[0]


def test_postgresql_to_postgresql_with_user_remap(pg_server, tmp_path):
    a, b = pg_server.create_db("mig_src"), pg_server.create_db("mig_dst")
    rows = sample(1200)
    put(a, rows, raw=True)
    with open_store(a) as src, open_store(b) as dst:
        result = migrate(src, dst, tmp_path / "bk", remap={"u1": "new-u1"})
        assert store_digest(src) != store_digest(dst) == result.digest  # remapped on purpose
    plan = result.plan
    assert plan.remapped == [("custom_nav_items:u1", "custom_nav_items:new-u1"),
                             ("movie_type_colors:u1", "movie_type_colors:new-u1")]
    assert plan.user_rewrites == 2
    got = dump(b)
    assert got["favorite_fav_1"]["userId"] == "new-u1" and got["favorite_fav_2"]["userId"] == "u9"
    assert got["custom_nav_items:new-u1"] == [{"id": "n1", "label": "Mine", "userId": "new-u1"}]
    assert "custom_nav_items:u1" not in got and "movie_type_colors:u1" not in got
    assert result.digest.rows == len(rows) and not result.source_changed
    # run again: nothing to write, the same digest
    with open_store(a) as src, open_store(b) as dst:
        again = migrate(src, dst, tmp_path / "bk", remap={"u1": "new-u1"})
    assert again.restore.written == 0 and again.digest == result.digest
    assert again.backup_path != result.backup_path


def test_postgresql_to_rest(pg_server, rest_server, tmp_path):
    src_url = pg_server.create_db("mig_rest_src")
    rows = sample()
    put(src_url, rows, raw=True)
    with open_store(src_url) as src, rest_store(rest_server) as dst:
        result = migrate(src, dst, tmp_path / "bk")
        assert store_digest(dst) == store_digest(src) == result.digest
    assert not result.created_table and result.restore.written == len(rows)
    assert result.digest.rows == len(rows)
    assert_same(rows, pg_texts(rest_server.pg_url))


def test_rest_target_without_table_stops_with_the_sql(pg_server, rest_server, tmp_path):
    src_url = pg_server.create_db("mig_rest_src2")
    put(src_url, {"movie:1": b'{"id": "1"}'}, raw=True)
    with psycopg.connect(rest_server.pg_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {DEFAULT_TABLE}")
    with open_store(src_url) as src, rest_store(rest_server) as dst:
        with pytest.raises(StoreError) as err:
            migrate(src, dst, tmp_path / "bk")
    msg = str(err.value)
    assert "CREATE TABLE IF NOT EXISTS" in msg and "ENABLE ROW LEVEL SECURITY" in msg and "CREATE POLICY" in msg
    assert list((tmp_path / "bk").glob("mvdb-backup-*.json"))  # the source backup is kept all the same
    with psycopg.connect(rest_server.pg_url, autocommit=True) as conn:  # the SQL it gives works
        conn.execute(msg.split("then try again: ", 1)[1])
    with open_store(src_url) as src, rest_store(rest_server) as dst:
        assert migrate(src, dst, tmp_path / "bk").digest.rows == 1


# --------------------------------------------------------------------------------------------
# Interruption and re-runs


@pytest.mark.parametrize("target_kind", ["postgresql", "rest"])
def test_interrupted_migration_completes_when_run_again(target_kind, sqlite_url, request, tmp_path):
    rows = sample()
    put(sqlite_url, rows, raw=True)
    if target_kind == "rest":
        server = request.getfixturevalue("rest_server")
        make_target, target_pg = (lambda: rest_store(server)), server.pg_url
    else:
        target_pg = request.getfixturevalue("pg_url")
        make_target = lambda: open_store(target_pg)  # noqa: E731
    with open_store(sqlite_url) as src, make_target() as dst:
        interrupt_writes(dst, after=1500)
        with pytest.raises(Interrupted):
            migrate(src, dst, tmp_path / "bk")
    partial = pg_texts(target_pg) if target_kind == "rest" or _has_table(target_pg) else {}
    # PostgreSQL writes in one transaction (nothing); the Data API in chunks of 1,000 (a prefix)
    assert len(partial) == (1000 if target_kind == "rest" else 0)
    with open_store(sqlite_url) as src, make_target() as dst:
        result = migrate(src, dst, tmp_path / "bk")  # no --mode needed: the target only holds source rows
    assert result.restore.written == len(rows) - len(partial)
    assert result.digest.rows == len(rows)
    if partial:
        assert "earlier run" in result.notes[0]
    assert_same(rows, pg_texts(target_pg))


def _has_table(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (DEFAULT_TABLE,)).fetchone()[0]


def test_rest_write_failure_midway_then_rerun(sqlite_url, rest_server, tmp_path):
    rows = sample()
    put(sqlite_url, rows, raw=True)
    with open_store(sqlite_url) as src, rest_store(rest_server) as dst:
        # the second chunk's POST fails on every retry (the double's fault injection)
        interrupt_writes(dst, after=1001, action=lambda: rest_server.fail_next(5, 503))
        with pytest.raises(StoreError, match="503"):
            migrate(src, dst, tmp_path / "bk")
    assert len(pg_texts(rest_server.pg_url)) == 1000
    with open_store(sqlite_url) as src, rest_store(rest_server) as dst:
        result = migrate(src, dst, tmp_path / "bk")
    assert result.digest.rows == len(rows)
    assert_same(rows, pg_texts(rest_server.pg_url))


# --------------------------------------------------------------------------------------------
# Targets that hold other data, and other refusals


def test_target_with_other_data_needs_a_mode(sqlite_url, pg_url, tmp_path):
    rows = sample(100)
    put(sqlite_url, rows, raw=True)
    put(pg_url, {"movie:00001": b'{"old": true}', "zzz_extra": b"1"}, raw=True)
    plans = []
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        with pytest.raises(ModeRequired, match="--mode merge") as err:
            migrate(src, dst, tmp_path / "bk", on_plan=plans.append)
    assert err.value.exit_code == 2 and plans == [err.value.plan]
    t = plans[0].totals()
    assert (t.added, t.changed, t.extra) == (len(rows) - 1, 1, 1)
    assert pg_texts(pg_url) == {"movie:00001": '{"old": true}', "zzz_extra": "1"}  # untouched
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        merged = migrate(src, dst, tmp_path / "bk", mode="merge")
    assert merged.digest.rows == len(rows)  # the backup's keys; the extra key stays by design
    got = pg_texts(pg_url)
    assert got["zzz_extra"] == "1" and same_text(got["movie:00001"].encode(), rows["movie:00001"])
    snapshot = BackupFile(merged.restore.snapshot)
    assert dict(snapshot.entries()) == {"movie:00001": b'{"old": true}'}
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        mirrored = migrate(src, dst, tmp_path / "bk", mode="mirror")
        assert store_digest(dst) == store_digest(src)
    assert mirrored.restore.deleted == 1 and "zzz_extra" not in pg_texts(pg_url)


def test_dry_run_writes_only_the_backup(sqlite_url, pg_url, tmp_path):
    put(sqlite_url, {"movie:1": {"id": 1}, "movie:2": {"id": 2}})
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        result = migrate(src, dst, tmp_path / "bk", dry_run=True)
    assert result.plan.totals().added == 2 and result.restore is None and result.digest is None
    assert "would create" in result.notes[0] and not _has_table(pg_url)
    assert BackupFile(result.backup_path).validate().total == 2
    put(pg_url, {"zzz": 1})
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        with pytest.raises(ModeRequired):
            migrate(src, dst, tmp_path / "bk", dry_run=True)
        assert migrate(src, dst, tmp_path / "bk", dry_run=True, mode="mirror").plan.deletes == 1
    assert dump(pg_url) == {"zzz": 1}


def test_refusals(sqlite_url, pg_url, tmp_path):
    put(sqlite_url, {})
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        with pytest.raises(StoreError, match="no rows"):
            migrate(src, dst, tmp_path / "bk")
    assert not list((tmp_path / "bk").glob("*.json"))
    put(sqlite_url, {"movie:1": {"id": 1}})
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        with pytest.raises(UsageError, match="cancelled"):
            migrate(src, dst, tmp_path / "bk", confirm=lambda plan: False)
        assert dump(pg_url) == {}
        with pytest.raises(UsageError, match="unknown mode"):
            migrate(src, dst, tmp_path / "bk", mode="replace")


def test_source_changing_during_the_migration_is_reported(sqlite_url, pg_url, tmp_path):
    put(sqlite_url, {"movie:1": {"id": 1}})
    with open_store(sqlite_url) as src, open_store(pg_url) as dst:
        result = migrate(src, dst, tmp_path / "bk",
                         on_plan=lambda plan: put(sqlite_url, {"movie:2": {"id": 2}}))  # the app writes meanwhile
    assert result.source_changed and "changed while" in result.notes[-1]
    assert result.digest.rows == 1 and dump(pg_url) == {"movie:1": {"id": 1}}


def test_table_setup_on_postgresql_and_sqlite(pg_url, tmp_path):
    put(pg_url, {"movie:1": {"id": 1}})  # a plain table, as `restore` creates it
    with open_store(pg_url) as dst:
        assert ensure_target_table(dst) is False
        assert ensure_target_table(dst, setup=True) is False  # existing: set up, not created
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute(RLS_ON).fetchone()[0]
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_kv_store_key_prefix'").fetchone()[0]
    with open_store(f"sqlite://{tmp_path}/new.sqlite3") as dst:
        assert ensure_target_table(dst) is True and dst.table_exists()


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_migrate(sqlite_url, pg_server, tmp_path):
    put(sqlite_url, {k: v for k, v in sample(50).items()}, raw=True)
    db = pg_server.create_db("mig_cli")
    password = "S3cret-pw-xyz"  # the test server trusts every password: it must still never be shown
    target = db.replace("postgres@", f"postgres:{password}@")
    args = ("migrate", "--from", sqlite_url, "--to", target, "--backup-dir", str(tmp_path / "bk"),
            "--remap-user", "u1=u2")
    r = cli(*args)
    assert r.returncode == 2 and "--yes" in r.stderr  # no terminal, no --yes: nothing is written
    r = cli(*args, "--yes")
    assert r.returncode == 0, r.stderr
    assert "every row verified" in r.stdout and "digest of the migrated rows" in r.stdout
    assert "custom_nav_items:u1 -> custom_nav_items:u2" in r.stdout
    put(db, {"zzz_extra": 1})
    r = cli(*args, "--yes")
    assert r.returncode == 2 and "Plan" in r.stdout and "--mode merge" in r.stderr
    r = cli(*args, "--yes", "--mode", "mirror")
    assert r.returncode == 0, r.stderr
    assert "zzz_extra" not in dump(db)
    outputs = [p.read_text() for p in (tmp_path / "bk").rglob("*.json")]
    for text in [r.stdout, r.stderr, *outputs]:
        assert password not in text


def test_cli_migrate_usage_errors(sqlite_url, pg_url, tmp_path):
    base = ("migrate", "--backup-dir", str(tmp_path / "bk"))
    r = cli(*base, "--from", sqlite_url)
    assert r.returncode == 2 and "--to" in r.stderr
    r = cli(*base, "--from", sqlite_url, "--to", pg_url, "--remap-user", "nonsense")
    assert r.returncode == 2 and "OLD=NEW" in r.stderr
    r = cli(*base, "--from", sqlite_url, "--to", pg_url, "--mode", "replace")
    assert r.returncode == 2
    r = cli(*base, "--from", sqlite_url, "--to", sqlite_url)
    assert r.returncode == 2 and "same store" in r.stderr
    r = cli(*base, "--from", "https://old.supabase.co", "--to", "https://new.supabase.co", "--from-key", "k" * 40)
    assert r.returncode == 2 and "--to-key" in r.stderr and "k" * 40 not in r.stderr
    r = cli(*base, "--from", "ftp://x", "--to", pg_url)
    assert r.returncode == 2


def test_cli_migrate_to_rest_keeps_the_key_secret(pg_server, rest_server, tmp_path):
    src = pg_server.create_db("mig_cli_rest")
    put(src, {"movie:1": {"id": 1}, "favorite_f": {"userId": "u1"}})
    r = cli("migrate", "--from", src, "--to", rest_server.url, "--to-key", rest_server.service_key, "--yes",
            "--backup-dir", str(tmp_path / "bk"))
    assert r.returncode == 0, r.stderr
    assert rest_server.service_key not in r.stdout + r.stderr
    for path in (tmp_path / "bk").rglob("*"):
        if path.is_file():
            assert rest_server.service_key not in path.read_text()
    # with an anon key under RLS the target table looks empty and refuses writes: a clear error
    rest_server.set_rls(True)
    r = cli("migrate", "--from", src, "--to", rest_server.url, "--to-key", rest_server.anon_key, "--yes",
            "--mode", "merge", "--backup-dir", str(tmp_path / "bk"))
    assert r.returncode == 1 and rest_server.anon_key not in r.stderr


def test_digest_type():
    assert str(Digest("ab" * 32, 3)).endswith("(3 rows)")
