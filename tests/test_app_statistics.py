"""Dashboard, Statistics page (AppTest): store and backup side by side, values, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_support import all_text, make_dash, open_page

from mvdb_core.backup import backup
from mvdb_core.demo import generate
from mvdb_core.statistics import store_statistics
from mvdb_core.stores import open_store


@pytest.fixture
def dash(tmp_path, monkeypatch):
    yield from make_dash(tmp_path, monkeypatch)


def _stats_page(dash):
    return open_page(dash.run(), "statistics")


def test_store_statistics_values(dash):
    with open_store(dash.url) as store:
        store.write(list(generate(600, seed=5)), [])
        expected = store_statistics(store)
    at = _stats_page(dash)
    metrics = [(m.label, m.value) for m in at.metric]
    assert metrics == [(k, f"{v:,}") for k, v in expected.groups.items()]
    frames = [d.value for d in at.dataframe]
    per_category = frames[0]
    assert int(per_category["Rows"].sum()) == expected.total
    assert int(per_category["Bytes"].sum()) == expected.total_bytes
    largest = frames[-1]
    assert list(largest["Key"]) == [v.key for v in expected.largest]
    assert len(at.get("vega_lite_chart")) >= 4  # categories, master, favorites, years
    assert "Store and backup compared" not in all_text(at)


def test_store_and_backup_side_by_side(dash, tmp_path):
    with open_store(dash.url) as store:
        store.write(list(generate(300, seed=2)), [])
        made = backup(store, tmp_path / "b.json")
        movies = [k for k, _ in store.iter_rows(keys_only=True) if k.startswith("movie:")][:4]
        store.write([], movies)
    at = _stats_page(dash)
    at.file_uploader(key="stats_upload").upload("b.json", made.path.read_bytes(), "application/json")
    at = dash.run(at)
    text = all_text(at)
    assert "Store and backup compared" in text
    assert "The row counts differ in 1 categories." in text
    compare = at.dataframe[0].value
    row = compare[compare["Category"] == "Movies"].iloc[0]
    assert int(row["Difference"]) == 4 and int(row["Backup"]) - int(row["Store"]) == 4
    assert len([m for m in at.metric if m.label == "Total"]) == 2


def test_backup_from_restore_page_is_reused(dash, tmp_path):
    with open_store(dash.url) as store:
        store.write(list(generate(200, seed=2)), [])
        made = backup(store, tmp_path / "b.json")
    at = open_page(dash.run(), "restore")
    at.file_uploader(key="restore_upload").upload("b.json", made.path.read_bytes(), "application/json")
    at = open_page(dash.run(at), "statistics")
    text = all_text(at)
    assert "Backup file: b.json (uploaded earlier)" in text
    assert "same number of rows in every category" in text


def test_missing_table_and_invalid_upload(dash):
    at = _stats_page(dash)
    assert "does not exist in the connected store" in all_text(at)
    assert "Nothing to show yet" in all_text(at)
    at.file_uploader(key="stats_upload").upload("x.json", b'{"metadata": {"version": "9"}}', "application/json")
    at = dash.run(at)
    text = all_text(at)
    assert "cannot be restored" in text and "What to do" in text


def test_invalid_upload_from_restore_can_be_removed_where_it_is_shown(dash):
    at = open_page(dash.run(), "restore")
    at.file_uploader(key="restore_upload").upload("broken.json", b"{not json", "application/json")
    at = dash.run(at)
    at = open_page(at, "statistics")
    text = all_text(at)
    assert "broken.json (uploaded earlier)" in text and "cannot be restored" in text
    kept = at.session_state["backup_file"].path
    at.button(key="stats_upload_forget").click()
    at = dash.run(at)
    text = all_text(at)
    assert "cannot be restored" not in text and "uploaded earlier" not in text
    assert "Nothing to show yet" in text
    assert not Path(kept).exists()
    at = open_page(at, "restore")
    assert "Choose a backup file to begin" in all_text(at)  # gone for every page
