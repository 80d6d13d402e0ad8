"""Dashboard, Restore page (AppTest): upload, validation, plan, confirmation, restore, verification, snapshot."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import orjson
import pytest
from dashboard_support import all_text, download_bytes, make_dash, open_page, plain, plan_table

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.demo import generate
from mvdb_core.restore import RestoreOptions, plan_restore
from mvdb_core.stores import open_store
from ui import uploads


@pytest.fixture
def dash(tmp_path, monkeypatch):
    yield from make_dash(tmp_path, monkeypatch)


def _seed_and_backup(dash, tmp_path, rows: int = 400) -> bytes:
    with open_store(dash.url) as store:
        store.write(list(generate(rows, seed=11)), [])
        made = backup(store, tmp_path / "made.json")
    return made.path.read_bytes()


def _change_store(url: str) -> dict[str, int]:
    """Delete 5 movies, change 3 favorites, add 2 keys the backup does not have."""
    with open_store(url) as store:
        rows = list(store.iter_rows())
        movies = [k for k, _ in rows if k.startswith("movie:")][:5]
        favs = [(k, v) for k, v in rows if k.startswith("favorite_")][:3]
        changed = [(k, orjson.dumps({**orjson.loads(v), "type": "image", "changed": True})) for k, v in favs]
        extra = [("zz_extra:1", b'{"x":1}'), ("zz_extra:2", b"[]")]
        store.write(sorted(changed + extra), movies)
    return {"added": 5, "changed": 3, "extra": 2}


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="restore_upload").upload(name, data, "application/json")
    return at


def _planned(dash, data: bytes):
    """The Restore page with `data` uploaded and its plan shown."""
    at = _restore_page(dash)
    _upload(at, "b.json", data)
    at = dash.run(at)
    at.button(key="restore_plan_button").click()
    return dash.run(at)


def _restore_page(dash):
    return open_page(dash.run(), "restore")


def test_upload_plan_restore_verify_and_snapshot(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path)
    expected = _change_store(dash.url)
    at = _restore_page(dash)
    assert "Choose a backup file" in all_text(at)

    _upload(at, "mvdb-backup-2026-01-01.json", data)
    at = dash.run(at)
    text = all_text(at)
    assert "is a valid backup with" in text
    about = next(m.value for m in at.markdown if "Format version" in m.value)
    total = BackupFile(tmp_path / "made.json").validate().total
    assert "| 3.0.0 |" in about and f"| {total:,} |" in about and "Embedded (SQLite file)" in about
    assert "restore_run" not in [b.key for b in at.button]  # nothing to confirm before the plan

    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    plan = plan_table(at).value
    totals = {col: int(plan[col].sum()) for col in ("Added", "Changed", "Extra in store")}
    assert totals == {"Added": expected["added"], "Changed": expected["changed"], "Extra in store": expected["extra"]}
    run = at.button(key="restore_run")
    assert run.disabled  # explicit confirmation first

    at.checkbox(key="restore_confirm").check()
    at = dash.run(at)
    at.button(key="restore_run").click()
    at = dash.run(at)
    text = all_text(at)
    assert "Verification passed" in text, text
    assert "8 rows written, 0 deleted" in text

    with open_store(dash.url) as store:
        after = plan_restore(BackupFile(tmp_path / "made.json"), store, RestoreOptions())
    assert after.writes == 0 and after.totals().extra == 2  # merge keeps the extra keys

    snap = tmp_path / "snapshot.json"
    snap.write_bytes(download_bytes(at.download_button(key="restore_download_snapshot")))
    snap_summary = BackupFile(snap).validate()
    assert snap_summary.total == expected["changed"]  # the previous values of the overwritten rows


def test_mirror_deletes_extra_keys(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=200)
    _change_store(dash.url)
    at = _restore_page(dash)
    _upload(at, "b.json", data)
    at = dash.run(at)
    at.radio(key="restore_mode").set_value("mirror")
    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    assert "will be **deleted** (mirror)" in all_text(at)
    at.checkbox(key="restore_confirm").check()
    at = dash.run(at)
    at.button(key="restore_run").click()
    at = dash.run(at)
    assert "8 rows written, 2 deleted" in all_text(at)
    with open_store(dash.url) as store:
        assert not [k for k, _ in store.iter_rows(keys_only=True) if k.startswith("zz_extra")]


def test_changing_options_invalidates_the_plan(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=200)
    _change_store(dash.url)
    at = _planned(dash, data)
    assert "restore_confirm" in [c.key for c in at.checkbox]
    at.radio(key="restore_mode").set_value("mirror")
    at = dash.run(at)
    assert "restore_confirm" not in [c.key for c in at.checkbox]
    assert "check again what will change" in all_text(at)


def test_identical_store_needs_nothing(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=150)
    at = _planned(dash, data)
    assert "already holds exactly this backup" in all_text(at)
    assert "restore_run" not in [b.key for b in at.button]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"   \n", "holds only whitespace"),
        (b"{not json", "not valid JSON"),
        (b'{"hello": 1}', "no metadata"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a JSON text file"),
    ],
)
def test_invalid_files_are_explained_and_nothing_is_written(dash, tmp_path, content, expected):
    at = _restore_page(dash)
    _upload(at, "broken.json", content)
    at = dash.run(at)
    text = all_text(at)
    assert "cannot be restored" in text
    assert expected in text, text
    assert "What to do" in text
    assert "restore_plan_button" not in [b.key for b in at.button]
    with open_store(dash.url) as store:
        assert not store.table_exists()


def test_truncated_backup_names_the_entry(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=150)
    lines = data.split(b"\n")
    at = _restore_page(dash)
    _upload(at, "cut.json", b"\n".join(lines[: len(lines) // 2]))
    at = dash.run(at)
    text = all_text(at)
    assert "truncated" in text and "entry" in text


def test_legacy_file_is_repaired_and_remapped(dash, tmp_path):
    legacy = {
        "metadata": {"version": "2.0.0", "timestamp": "2024-05-01T10:00:00.000Z", "sourceProjectId": "oldproject",
                     "totalItems": 3, "kvStoreKeys": ["master_actress_1", "favorite_1", "movie:1"]},
        "kvStoreData": [
            {"key": "master_actress_1", "value": {"id": "1", "name": "Yui"}},
            {"key": "favorite_1", "value": {"id": "1", "type": "movie", "itemId": "1", "userId": "old-user"}},
            {"key": "movie:1", "value": {"id": "1", "titleEn": "A"}},
        ],
    }
    at = _restore_page(dash)
    _upload(at, "mvdb-backup-2024-05-01.json", orjson.dumps(legacy))
    at = dash.run(at)
    assert "format 2.0.0" in all_text(at)
    assert "| oldproject |" in all_text(at)
    at.text_area(key="restore_remap").input("old-user=new-user")
    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    text = all_text(at)
    assert "Legacy repair: 1 master data rows" in text
    assert "1 values with a user id rewritten" in text
    at.checkbox(key="restore_confirm").check()
    at = dash.run(at)
    at.button(key="restore_run").click()
    at = dash.run(at)
    assert "Verification passed" in all_text(at)
    with open_store(dash.url) as store:
        rows = dict(store.iter_rows())
    assert orjson.loads(rows["master_actress_1"]) == orjson.dumps({"id": "1", "name": "Yui"}).decode()
    assert orjson.loads(rows["favorite_1"])["userId"] == "new-user"


def test_bad_remap_is_a_plain_message(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=120)
    at = _restore_page(dash)
    _upload(at, "b.json", data)
    at = dash.run(at)
    at.text_area(key="restore_remap").input("no-equals-sign")
    at = dash.run(at)
    assert "use OLD=NEW" in all_text(at)
    assert "restore_plan_button" not in [b.key for b in at.button]


def test_restore_only_some_categories(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=200)
    _change_store(dash.url)  # movies deleted, favorites changed, extra keys
    at = _restore_page(dash)
    _upload(at, "b.json", data)
    at = dash.run(at)
    at.checkbox(key="restore_all").uncheck()
    at = dash.run(at)
    at.multiselect(key="restore_categories").set_value(["favorites"])
    at.radio(key="restore_mode").set_value("mirror")
    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    plan = plan_table(at).value
    assert list(plan["Category"]) == ["Favorites"]
    at.checkbox(key="restore_confirm").check()
    at = dash.run(at)
    at.button(key="restore_run").click()
    at = dash.run(at)
    assert "3 rows written, 0 deleted" in all_text(at)
    with open_store(dash.url) as store:
        keys = dict(store.iter_rows(keys_only=True))
    assert "zz_extra:1" in keys  # other categories untouched, even in mirror mode


def test_store_changed_after_the_check_writes_nothing(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=150)
    _change_store(dash.url)
    at = _planned(dash, data)
    at.checkbox(key="restore_confirm").check()
    at = dash.run(at)
    with open_store(dash.url) as store:  # another change after the admin looked at the plan
        victim = next(k for k, _ in store.iter_rows(keys_only=True) if k.startswith("movie:"))
        store.write([], [victim])
        before = dict(store.iter_rows())
    at.button(key="restore_run").click()
    at = dash.run(at)
    text = all_text(at)
    assert "changed since you checked" in text
    assert "Verification passed" not in text
    with open_store(dash.url) as store:
        assert dict(store.iter_rows()) == before  # nothing written


def _rows_in_sidebar(at) -> str:
    return next(m.value for m in at.sidebar.markdown if "**Rows:**" in m.value).rsplit("**Rows:** ", 1)[1]


def test_sidebar_count_follows_the_plan(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=150)
    at = _restore_page(dash)
    with open_store(dash.url) as store:
        before = sum(store.count().values())
    assert _rows_in_sidebar(at) == f"{before:,}"
    _change_store(dash.url)  # 5 deleted, 2 added: the cached count is now stale
    _upload(at, "b.json", data)
    at = dash.run(at)
    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    assert _rows_in_sidebar(at) == f"{before - 3:,}"  # the count the plan saw, not the cached one
    at.checkbox(key="restore_confirm").check()
    at = dash.run(at)
    at.button(key="restore_run").click()
    at = dash.run(at)
    assert _rows_in_sidebar(at) == f"{before + 2:,}"  # after the write (merge keeps the 2 extra keys)


def test_invalid_file_is_one_box_said_once(dash):
    at = _restore_page(dash)
    _upload(at, "broken.json", b"{not json")
    at = dash.run(at)
    assert len(at.error) == 1
    assert plain(all_text(at)).lower().count("nothing was written") == 1


def test_legacy_repair_only_for_files_of_the_apps_own_backup(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=100)
    at = _restore_page(dash)
    _upload(at, "b.json", data)  # format 3.0.0: nothing to repair, no option
    at = dash.run(at)
    assert "restore_repair" not in [c.key for c in at.checkbox]
    legacy = {"metadata": {"version": "2.0.0", "timestamp": "2024-05-01T10:00:00.000Z", "totalItems": 1,
                           "kvStoreKeys": ["master_actress_1"]},
              "kvStoreData": [{"key": "master_actress_1", "value": {"id": "1"}}]}
    _upload(at, "legacy.json", orjson.dumps(legacy))
    at = dash.run(at)
    repair = at.checkbox(key="restore_repair")
    assert repair.value and not repair.disabled


def test_upload_lives_in_a_private_folder_and_goes_when_cleared(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=80)
    at = _restore_page(dash)
    _upload(at, "b.json", data)
    at = dash.run(at)
    kept = Path(at.session_state["backup_file"].path)
    assert kept.read_bytes() == data
    assert kept.parent == uploads.folder() and kept.parent.name.startswith("mvdb-uploads-")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    _upload(at, "again.json", data)  # a new upload replaces the old one, and its file
    at = dash.run(at)
    again = Path(at.session_state["backup_file"].path)
    assert again != kept and again.exists() and not kept.exists()
    at.file_uploader(key="restore_upload").clear()
    at = dash.run(at)
    assert not again.exists() and "backup_file" not in at.session_state
    assert "Choose a backup file" in all_text(at)


def test_plan_table_in_indonesian_groups_digits_with_dots(dash, tmp_path):
    data = _seed_and_backup(dash, tmp_path, rows=3000)
    at = _restore_page(dash)
    at.selectbox(key="lang").select("id")
    _upload(at, "b.json", data)
    at = dash.run(at)
    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    columns = json.loads(plan_table(at).proto.columns)
    formats = {c["type_config"]["format"] for c in columns.values() if "format" in c.get("type_config", {})}
    assert formats == {"%'.,d"}  # 1.341, like the metric cards, whatever the browser's locale
    assert re.search(r"\*\*\d{1,3}(\.\d{3})+\*\* sudah sama", all_text(at))  # the summary too
