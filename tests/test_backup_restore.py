"""Backup and restore through the core API on real stores (SQLite, PostgreSQL, REST double)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest
from helpers import dump, put

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.errors import InvalidBackupError, StoreError, UsageError, VerificationError
from mvdb_core.progress import Stage
from mvdb_core.restore import RestoreOptions, plan_restore, restore, verify_restore
from mvdb_core.stores import open_store

SAMPLE = {
    "movie:1": {"id": "1", "titleJp": "夏の終わり", "tags": "a,b", "n": 1.5, "big": 123456789012345678901234567890},
    "movie:2": {"id": "2", "titleEn": "Two", "gallery": [], "ok": True, "none": None},
    "master_actor_1": json.dumps({"id": "1", "name": "Aoi", "type": "actor"}),  # a JSON string holding JSON
    "movie_type_colors": json.dumps({"HC": "#fff"}),
    "movie_type_colors:u1": {"HC": "#000"},
    "favorite_fav_1": {"id": "fav_1", "type": "movie", "itemId": "1", "userId": "u1"},
    "custom_nav_items:u1": [{"id": "n1", "label": "Mine", "userId": "u1"}],
    "photobooksX": 42,
    "settings": "plain string",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/store.sqlite3"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def second_url(request, store_url, tmp_path):
    """Another empty store of the same kind."""
    if store_url.startswith("sqlite"):
        return f"sqlite://{tmp_path}/second.sqlite3"
    return request.getfixturevalue("pg_server").create_db(f"second_{os.getpid()}_{id(tmp_path)}")


def _sample_backup(store_url: str, tmp_path: Path) -> Path:
    """SAMPLE written to the store, then backed up into tmp_path."""
    put(store_url, SAMPLE)
    with open_store(store_url) as src:
        return backup(src, tmp_path).path


def _opts(tmp_path: Path, **kw) -> RestoreOptions:
    return RestoreOptions(snapshot_dir=tmp_path / "snap", **kw)


def test_round_trip_exact(store_url, second_url, tmp_path):
    put(store_url, SAMPLE)
    with open_store(store_url) as src:
        result = backup(src, tmp_path / "out")
    assert result.path.name.startswith("mvdb-backup-") and result.metadata["totalItems"] == len(SAMPLE)
    bf = BackupFile(result.path)
    assert bf.validate().total == len(SAMPLE)
    with open_store(second_url) as dst:
        res = restore(bf, dst, _opts(tmp_path))
    assert res.verified and res.written == len(SAMPLE) and res.snapshot is None
    got = dump(second_url)
    assert got == SAMPLE
    assert isinstance(got["master_actor_1"], str)  # the app JSON.parses it: must stay a string
    assert got["movie:1"]["big"] == 123456789012345678901234567890


def test_file_layout_and_metadata(sqlite_url, tmp_path):
    put(sqlite_url, SAMPLE)
    with open_store(sqlite_url) as src:
        path = backup(src, tmp_path).path
    lines = path.read_bytes().split(b"\n")
    meta = json.loads(lines[0].rstrip()[len(b'{"metadata":'):-1])
    assert lines[1] == b'"kvStoreData":['
    entries = [json.loads(line.rstrip(b",")) for line in lines[2:-2]]
    assert [e["key"] for e in entries] == sorted(SAMPLE)
    assert lines[-2] == b"]}"
    assert meta["format"] == "mvdb-backup" and meta["version"] == "3.0.0"
    assert meta["categories"]["movies"] == 2 and meta["categories"]["other"] == 1
    assert set(meta["categories"]) >= {"movies", "favorites", "link_labels", "other"}
    assert meta["source"]["kind"] == "sqlite"
    doc = json.loads(path.read_text())  # the whole file is plain JSON the app can read
    assert doc["metadata"]["totalItems"] == len(doc["kvStoreData"]) == len(SAMPLE)
    import jsonschema

    from mvdb_core.backup_file import schema_path

    jsonschema.validate(doc, json.loads(schema_path().read_text()))


def test_backup_never_overwrites_and_is_atomic(sqlite_url, tmp_path):
    put(sqlite_url, SAMPLE)
    with open_store(sqlite_url) as src:
        first = backup(src, tmp_path).path
        second = backup(src, tmp_path).path
        assert first != second and first.exists() and second.exists()
        with pytest.raises(UsageError, match="already exists"):
            backup(src, first)

        class Boom(Exception):
            pass

        def explode(event):
            raise Boom

        with pytest.raises(Boom):
            backup(src, tmp_path / "interrupted.json", progress=explode)
    assert not (tmp_path / "interrupted.json").exists()
    assert not list(tmp_path.glob(".*partial"))


def test_empty_backup_is_an_error(store_url, tmp_path):
    put(store_url, {})
    with open_store(store_url) as src:
        with pytest.raises(StoreError, match="0 rows"):
            backup(src, tmp_path / "b.json")
        assert not (tmp_path / "b.json").exists()
        result = backup(src, tmp_path / "b.json", allow_empty=True)
    assert BackupFile(result.path).validate().total == 0


def test_category_subset(store_url, tmp_path):
    put(store_url, SAMPLE)
    with open_store(store_url) as src:
        path = backup(src, tmp_path, categories=frozenset({"movies", "favorites"})).path
    bf = BackupFile(path)
    assert bf.validate().total == 3
    assert bf.metadata["selectedCategories"] == ["favorites", "movies"]


def test_merge_mirror_dry_run_and_snapshot(store_url, tmp_path):
    path = _sample_backup(store_url, tmp_path)
    bf = BackupFile(path)
    # change the target: one changed, one deleted, one extra movie and one extra favorite
    with open_store(store_url) as st:
        st.write([("movie:1", b'{"changed":true}'), ("movie:9", b"{}"), ("favorite_x", b"{}")], ["movie:2"])
    before = dump(store_url)

    with open_store(store_url) as st:
        plan = restore(bf, st, _opts(tmp_path, dry_run=True, mode="mirror")).plan
    assert dump(store_url) == before  # dry run writes nothing
    assert not (tmp_path / "snap").exists() or not list((tmp_path / "snap").iterdir())
    assert vars(plan.categories["movies"]) == {"added": 1, "changed": 1, "unchanged": 0, "extra": 1}
    assert plan.categories["favorites"].extra == 1

    with open_store(store_url) as st:
        res = restore(bf, st, _opts(tmp_path, mode="merge", categories=frozenset({"movies"})))
    after_merge = dump(store_url)
    assert after_merge["movie:1"] == SAMPLE["movie:1"] and after_merge["movie:2"] == SAMPLE["movie:2"]
    assert after_merge["movie:9"] == {} and after_merge["favorite_x"] == {}  # merge keeps extras
    # the snapshot holds exactly what was overwritten, as an ordinary backup file
    snap = BackupFile(res.snapshot)
    assert dict(snap.entries()) == {"movie:1": b'{"changed": true}' if "postgres" in store_url else b'{"changed":true}'}

    with open_store(store_url) as st:
        res2 = restore(bf, st, _opts(tmp_path, mode="mirror", categories=frozenset({"movies"})))
    after_mirror = dump(store_url)
    assert "movie:9" not in after_mirror and after_mirror["favorite_x"] == {}  # only within the categories
    assert res2.deleted == 1

    # restoring the snapshots (newest first) brings back every value the restores overwrote or
    # deleted; rows the restores only added (from the backup) stay
    with open_store(store_url) as st:
        restore(BackupFile(res2.snapshot), st, _opts(tmp_path))
        restore(BackupFile(res.snapshot), st, _opts(tmp_path))
    final = dump(store_url)
    assert {k: final[k] for k in before} == before
    assert set(final) - set(before) == {"movie:2"}


def test_legacy_2_0_0_with_and_without_repair(store_url, tmp_path):
    actor = {"id": "a1", "name": "Aoi", "type": "actor", "createdAt": "2024-01-01"}
    legacy = {
        "metadata": {"version": "2.0.0", "timestamp": "2024-05-01T00:00:00Z", "sourceProjectId": "oldref",
                     "totalItems": 3, "kvStoreKeys": ["movie:1", "master_actor_a1", "master_tag_t1"]},
        "kvStoreData": [
            {"key": "movie:1", "value": {"id": "1"}},
            {"key": "master_actor_a1", "value": actor},  # the app's backup parsed it into an object
            {"key": "master_tag_t1", "value": json.dumps({"id": "t1"})},  # already a string: untouched
        ],
    }
    path = tmp_path / "mvdb-backup-2024-05-01.json"
    path.write_text(json.dumps(legacy, indent=2, ensure_ascii=False))
    bf = BackupFile(path)
    assert bf.is_legacy and bf.validate().total == 3
    with open_store(store_url) as st:
        res = restore(bf, st, _opts(tmp_path))
    assert res.plan.repaired == 1
    got = dump(store_url)
    assert isinstance(got["master_actor_a1"], str) and json.loads(got["master_actor_a1"]) == actor
    assert got["master_tag_t1"] == json.dumps({"id": "t1"})
    with open_store(store_url) as st:
        restore(bf, st, _opts(tmp_path, legacy_repair=False))
    assert dump(store_url)["master_actor_a1"] == actor


def test_remap_user(store_url, second_url, tmp_path):
    path = _sample_backup(store_url, tmp_path)
    target = second_url
    with open_store(target) as dst:
        res = restore(BackupFile(path), dst, _opts(tmp_path, remap={"u1": "u2"}))
    got = dump(target)
    assert "movie_type_colors:u2" in got and "movie_type_colors:u1" not in got
    assert got["custom_nav_items:u2"][0]["userId"] == "u2"
    assert got["favorite_fav_1"]["userId"] == "u2"
    assert ("custom_nav_items:u1", "custom_nav_items:u2") in res.plan.remapped
    assert got["movie_type_colors"] == SAMPLE["movie_type_colors"]


def test_remap_collision_is_refused(sqlite_url, tmp_path):
    put(sqlite_url, {"movie_type_colors:u1": {}, "movie_type_colors:u2": {}})
    with open_store(sqlite_url) as src:
        path = backup(src, tmp_path).path
    with open_store(sqlite_url) as st, pytest.raises(UsageError, match="already holds"):
        restore(BackupFile(path), st, _opts(tmp_path, remap={"u1": "u2"}))


def test_verification_detects_difference(store_url, tmp_path):
    path = _sample_backup(store_url, tmp_path)
    bf = BackupFile(path)
    with open_store(store_url) as st:
        verify_restore(bf, st, _opts(tmp_path))
        st.write([("movie:1", b"1")], ["movie:2"])
        with pytest.raises(VerificationError, match=r"1 missing \('movie:2'\); 1 different \('movie:1'\)"):
            verify_restore(bf, st, _opts(tmp_path))


def test_interrupted_restore_completes_on_rerun(store_url, second_url, tmp_path):
    rows = {f"movie:{i:05d}": {"i": i} for i in range(2500)}
    put(store_url, rows)
    with open_store(store_url) as src:
        path = backup(src, tmp_path).path
    target = second_url

    class Cut(Exception):
        pass

    def cut(event):
        if event.stage == Stage.WRITE and event.done >= 1000:
            raise Cut

    with open_store(target) as dst, pytest.raises(Cut):
        restore(BackupFile(path), dst, _opts(tmp_path), progress=cut)
    with open_store(target) as dst:
        res = restore(BackupFile(path), dst, _opts(tmp_path))
    assert res.verified and dump(target) == rows


def test_validation_happens_before_any_write(store_url, tmp_path):
    path = _sample_backup(store_url, tmp_path)
    data = path.read_bytes().replace(b'"Two"', b'"Tw0"')  # changes content, keeps the layout
    bad = tmp_path / "bad.json"
    bad.write_bytes(data)
    with open_store(store_url) as st:
        st.write([], ["movie:2"])
    before = dump(store_url)
    with open_store(store_url) as st, pytest.raises(InvalidBackupError, match="sha256 digest mismatch"):
        restore(BackupFile(bad), st, _opts(tmp_path))
    assert dump(store_url) == before
    assert not list((tmp_path / "snap").glob("*.json"))


def test_plan_of_identical_store_is_all_unchanged(store_url, tmp_path):
    path = _sample_backup(store_url, tmp_path)
    with open_store(store_url) as st:
        plan = plan_restore(BackupFile(path), st, _opts(tmp_path, mode="mirror"))
    t = plan.totals()
    assert (t.added, t.changed, t.unchanged, t.extra) == (0, 0, len(SAMPLE), 0)


def test_value_equality_across_spellings(pg_url, tmp_path):
    """PostgreSQL respells JSON (spaces, key order); that is not a change."""
    put(pg_url, {"k": {"b": 1, "a": [1.0, {"y": None, "x": "s"}]}})
    legacy = tmp_path / "l.json"
    value = {"a": [1.0, {"x": "s", "y": None}], "b": 1}
    legacy.write_bytes(orjson.dumps({"metadata": {"version": "2.0.0"}, "kvStoreData": [{"key": "k", "value": value}]}))
    with open_store(pg_url) as st:
        plan = plan_restore(BackupFile(legacy), st, _opts(tmp_path))
    assert plan.categories["other"].unchanged == 1


def test_invalid_file_into_an_empty_table_leaves_it_empty(store_url, tmp_path):
    """An empty table is written while the file is validated, in one transaction: a defect rolls it back."""
    rows = {f"movie:{i:05d}": {"i": i} for i in range(3000)}
    put(store_url, rows)
    with open_store(store_url) as src:
        path = backup(src, tmp_path).path
        src.write([], list(rows))
        assert src.is_empty()
    bad = tmp_path / "bad.json"
    bad.write_bytes(path.read_bytes().replace(b'{"i":2999}', b'{"i":2998}').replace(b'{"i": 2999}', b'{"i": 2998}'))
    with open_store(store_url) as st, pytest.raises(InvalidBackupError, match="sha256 digest mismatch"):
        restore(BackupFile(bad), st, _opts(tmp_path))
    assert dump(store_url) == {}
    with open_store(store_url) as st:  # the intact file goes in the same way
        res = restore(BackupFile(path), st, _opts(tmp_path))
    assert res.verified and res.written == 3000 and res.snapshot is None
    assert res.plan.categories["movies"].added == 3000
    assert dump(store_url) == rows


@pytest.mark.timeout(120)
def test_defect_early_in_the_file_stops_a_large_target_read_cleanly(store_url, tmp_path):
    """The plan stops reading the target midway (COPY cancelled); the store stays usable and unchanged."""
    rows = {f"movie:{i:05d}": {"i": i} for i in range(5000)}
    put(store_url, rows)
    with open_store(store_url) as src:
        path = backup(src, tmp_path).path
    lines = path.read_bytes().split(b"\n")
    lines[3], lines[4] = lines[4], lines[3]  # entries 2 and 3 out of order, digest left as is
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\n".join(lines))
    with open_store(store_url) as st:
        with pytest.raises(InvalidBackupError, match="not sorted|digest"):
            restore(BackupFile(bad), st, _opts(tmp_path))
        assert st.count()["movies"] == 5000  # the same connection still works
    assert dump(store_url) == rows
