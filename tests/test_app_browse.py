"""Dashboard, Browse page (AppTest): rows of the store, a file or a snapshot as a table; search, select, look,
export, and restore the selected rows; the Restore page's changed rows side by side."""

from __future__ import annotations

import io
import re

import orjson
import pandas as pd
import pytest
from dashboard_support import all_text, download_bytes, make_dash, open_page, plain, plan_table

from mvdb_core.backup import backup
from mvdb_core.browse import display_value
from mvdb_core.demo import generate
from mvdb_core.keys import Keys
from mvdb_core.repository import init_repository
from mvdb_core.stores import open_store


@pytest.fixture
def dash(tmp_path, monkeypatch):
    monkeypatch.setenv("MVDB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("MVDB_REPOSITORY", raising=False)
    yield from make_dash(tmp_path, monkeypatch)


def _rows(url: str) -> dict[str, bytes]:
    with open_store(url) as store:
        return dict(store.iter_rows())


def _seed(dash, tmp_path, rows: int = 600) -> tuple[dict[str, bytes], bytes]:
    """Demo rows in the store and a backup file of them (its bytes)."""
    with open_store(dash.url) as store:
        store.write(list(generate(rows, seed=5)), [])
        made = backup(store, tmp_path / "made.json")
    return _rows(dash.url), made.path.read_bytes()


def _accident(url: str, rows: dict[str, bytes]) -> tuple[str, str, str]:
    """Delete one movie and change one actress's name (the new user's mistakes); their keys, and the title."""
    movie = next(k for k in rows if k.startswith("movie:"))
    actress = next(k for k in rows if k.startswith("master_actress_"))
    inner = orjson.loads(orjson.loads(rows[actress]))
    changed = orjson.dumps(orjson.dumps({**inner, "name": "Wrong Name"}).decode())
    with open_store(url) as store:
        store.write([(actress, changed)], [movie])
    return movie, actress, display_value(rows[movie])["titleEn"]


def _browse(dash, at=None):
    return open_page(dash.run(at), "browse")


def _select(dash, at, *indexes: int):
    at.session_state["browse_table"] = {"selection": {"rows": list(indexes), "columns": []}}
    return dash.run(at)


def _table(at) -> pd.DataFrame:
    [table] = [d for d in at.dataframe if "key" in d.value.columns]
    return table.value


def test_store_rows_of_a_category_as_a_table_with_typed_columns(dash, tmp_path):
    rows, _ = _seed(dash, tmp_path)
    at = _browse(dash)
    assert at.radio(key="browse_source").value == "store"
    at.selectbox(key="browse_category").select("movies")
    at = dash.run(at)
    table = _table(at)
    movies = sorted(k for k in rows if k.startswith("movie:"))
    assert list(table["key"]) == movies[: len(table)] and len(table) == min(len(movies), 1000)
    assert {"code", "titleEn", "cover", "releaseDate"} <= set(table.columns)
    [shown] = [d for d in at.dataframe if "key" in d.value.columns]
    config = orjson.loads(shown.proto.columns)
    assert config["cover"]["type_config"]["type"] == "image"
    assert config["releaseDate"]["type_config"]["type"] == "date"
    assert config["clinks"]["type_config"]["type"] == "link"
    assert config["createdAt"]["type_config"]["type"] == "datetime"
    assert config["titleEn"]["label"] == "Title" and config["dmcode"]["label"] == "dmcode"  # known fields titled
    assert f"{len(table)} rows." in plain(all_text(at))

    csv = pd.read_csv(io.BytesIO(download_bytes(at.download_button(key="browse_csv"))), dtype=str,
                      keep_default_na=False)
    assert list(csv["key"]) == list(table["key"]) and list(csv["code"]) == list(table["code"])

    at = _select(dash, at, 0)
    text = all_text(at)
    assert "1 rows picked" in text and "the store's own" in text
    assert at.json[0].value and orjson.loads(at.json[0].value)["id"] == display_value(rows[movies[0]])["id"]
    assert "browse_plan_button" not in [b.key for b in at.button]  # the store's own rows: nothing to restore


def test_search_narrows_the_rows_and_says_when_there_are_more(dash, tmp_path):
    rows, _ = _seed(dash, tmp_path, rows=3000)
    at = _browse(dash)
    at.selectbox(key="browse_limit").select(100)
    at = dash.run(at)
    assert len(_table(at)) == 100 and "there are more" in all_text(at)
    title = display_value(rows[next(k for k in rows if k.startswith("movie:"))])["titleEn"]
    at.text_input(key="browse_search").input(title[3:15].upper())
    at = dash.run(at)
    found = _table(at)
    assert len(found) >= 1 and all(title[3:15].lower() in orjson.dumps(display_value(rows[k])).decode().lower()
                                   or title[3:15].lower() in k.lower() for k in found["key"])
    at.text_input(key="browse_search").input("nothing-has-this-zzqq")
    at = dash.run(at)
    assert "No row matches" in all_text(at)


def test_done_when_find_the_deleted_movie_in_a_file_and_restore_it_with_the_actress(dash, tmp_path):
    rows, data = _seed(dash, tmp_path)
    movie, actress, title = _accident(dash.url, rows)
    before = _rows(dash.url)

    at = _browse(dash)
    at.radio(key="browse_source").set_value("file")
    at = dash.run(at)
    at.file_uploader(key="browse_upload").upload("backup.json", data, "application/json")
    at = dash.run(at)
    at.text_input(key="browse_search").input(title.split()[-1].lower() + "")
    at.selectbox(key="browse_category").select("movies")
    at = dash.run(at)
    table = _table(at)
    assert movie in list(table["key"])
    at = _select(dash, at, list(table["key"]).index(movie))
    assert "1 rows picked" in all_text(at)
    name = display_value(rows[actress])["name"]
    at.selectbox(key="browse_category").select("actresses")  # another search: the movie stays picked
    at.text_input(key="browse_search").input(name)
    at = dash.run(at)
    assert "1 rows picked" in all_text(at)
    keys = list(_table(at)["key"])
    at = _select(dash, at, keys.index(actress))
    assert "Restore the 2 picked rows" in all_text(at)
    at = _select(dash, at)  # unticking in this table drops only this table's row
    assert "1 rows picked" in all_text(at)
    at = _select(dash, at, keys.index(actress))
    at.button(key="browse_plan_button").click()
    at = dash.run(at)
    plan = plan_table(at).value.set_index("Category")
    assert plan.loc["Movies", "Added"] == 1 and plan.loc["Actresses", "Changed"] == 1
    assert plan["Added"].sum() == 1 and plan["Changed"].sum() == 1 and plan["Unchanged"].sum() == 0
    side = [d.value for d in at.dataframe if "Field" in d.value.columns]
    [names] = [s for s in side if "name" in list(s["Field"])]
    row = names.set_index("Field").loc["name"]
    assert row["In the store now"] == "Wrong Name" and row["In the backup"] == display_value(rows[actress])["name"]

    at.checkbox(key="browse_confirm").check()
    at = dash.run(at)
    at.button(key="browse_run").click()
    at = dash.run(at)
    assert "Verification passed" in all_text(at)
    after = _rows(dash.url)
    assert after == {**before, movie: rows[movie], actress: rows[actress]}


def test_snapshot_rows_restore_through_the_same_plan(dash, tmp_path):
    rows, _ = _seed(dash, tmp_path, rows=400)
    folder = tmp_path / "repo"
    repo = init_repository(str(folder), "none", Keys())
    with open_store(dash.url) as store:
        repo.snapshot(store, Keys(), time="2026-01-02T03:04:05Z")
    movie, _, title = _accident(dash.url, rows)
    at = dash.app()
    at.secrets["repositories"] = {"plain": {"url": str(folder)}}
    at = _browse(dash, at)
    at.radio(key="browse_source").set_value("snapshot")
    at = dash.run(at)
    at.text_input(key="browse_search").input(title)
    at = dash.run(at)
    keys = list(_table(at)["key"])
    assert movie in keys
    at = _select(dash, at, keys.index(movie))
    at.button(key="browse_plan_button").click()
    at = dash.run(at)
    assert plan_table(at).value["Added"].sum() == 1
    at.checkbox(key="browse_confirm").check()
    at = dash.run(at)
    at.button(key="browse_run").click()
    at = dash.run(at)
    assert "Verification passed" in all_text(at)
    assert _rows(dash.url)[movie] == rows[movie]


def test_restore_page_shows_changed_rows_side_by_side(dash, tmp_path):
    rows, data = _seed(dash, tmp_path)
    _, actress, _ = _accident(dash.url, rows)
    at = open_page(dash.run(), "restore")
    at.file_uploader(key="restore_upload").upload("b.json", data, "application/json")
    at = dash.run(at)
    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    assert any("Actresses: 1 changed rows" in e.label for e in at.expander)
    [side] = [d for d in at.dataframe if "Field" in d.value.columns]
    styles = side.proto.arrow_data.styler.styles  # CSS per cell: the differing field's row only
    names = list(side.value["Field"])
    highlighted = {names[int(r)] for r in re.findall(r"#T_\w+_row(\d+)_col0[^{]*\{[^}]*background-color", styles)}
    assert highlighted == {"name"}, styles
    assert side.value.set_index("Field").loc["name", "In the store now"] == "Wrong Name"


def test_browse_page_speaks_indonesian(dash, tmp_path):
    _seed(dash, tmp_path, rows=200)
    at = _browse(dash)
    at.selectbox(key="lang").select("id")
    at = dash.run(at)
    assert "Jelajahi data" in all_text(at) and "Lihat isi store yang terhubung" in all_text(at)
    assert at.radio(key="browse_source").label == "Sumber"
    assert at.text_input(key="browse_search").label == "Cari"
