"""mvdb_core.statistics: one streaming pass over a store or a backup file."""

from __future__ import annotations

import orjson
import pytest

from mvdb_core.backup import backup
from mvdb_core.categories import CATEGORY_NAMES, MASTER_TYPES
from mvdb_core.demo import generate
from mvdb_core.errors import InvalidBackupError
from mvdb_core.statistics import (
    UNKNOWN,
    Statistics,
    backup_statistics,
    collect,
    compare_counts,
    release_year,
    store_statistics,
)
from mvdb_core.stores import open_store


def _rows(pairs):
    return sorted((k, orjson.dumps(v)) for k, v in pairs)


def test_collect_hand_made_rows():
    rows = _rows(
        [
            ("movie:1", {"id": "1", "releaseDate": "2019-05-01"}),
            ("movie:2", {"id": "2", "releaseDate": "2019-12-31"}),
            ("movie:3", {"id": "3", "releaseDate": ""}),
            ("scmovie:1", {"id": "s1", "releaseDate": "2021-01-01", "hcMovies": [{"hcReleaseDate": "1999-01-01"}]}),
            ("favorite_a", {"type": "movie", "itemId": "1"}),
            ("favorite_b", {"type": "movie", "itemId": "2"}),
            ("favorite_c", {"type": "cast", "itemId": "Yui"}),
            ("favorite_d", [1, 2]),
            ("master_actress_1", orjson.dumps({"id": "1", "name": "Yui"}).decode()),
            ("master_tag_1", orjson.dumps({"id": "t", "name": "Drama"}).decode()),
            ("movie_type_colors", "{}"),
            ("zzz", "x" * 500),
        ]
    )
    s = collect(rows, top=3)
    assert s.total == 12
    assert s.total_bytes == sum(len(v) for _, v in rows)
    assert s.counts["movies"] == 3 and s.counts["sc_movies"] == 1 and s.counts["other"] == 1
    assert s.groups == {"Total": 12, "Movies": 4, "Master data": 2, "Favorites": 4}
    assert s.master_by_type["actress"] == 1 and s.master_by_type["tag"] == 1 and s.master_by_type["actor"] == 0
    assert list(s.master_by_type) == list(MASTER_TYPES.values())
    assert s.favorites_by_type == {"movie": 2, "cast": 1, UNKNOWN: 1}
    assert s.movies_per_year == {
        "2019": {"movies": 2, "sc_movies": 0},
        "2021": {"movies": 0, "sc_movies": 1},
        UNKNOWN: {"movies": 1, "sc_movies": 0},
    }
    assert [v.key for v in s.largest][0] == "zzz"
    assert len(s.largest) == 3
    assert [v.size for v in s.largest] == sorted((v.size for v in s.largest), reverse=True)
    assert s.largest[0].category == "other"


def test_release_year():
    assert release_year("2020-01-02") == "2020"
    assert release_year("2020") == "2020"
    for bad in (None, "", "20", "abcd-01-01", 2020, "0001-01-01", "9999-01-01"):
        assert release_year(bad) == UNKNOWN


def test_largest_ties_are_deterministic():
    rows = [(f"k{i:02d}", b'"abc"') for i in range(20)]
    s = collect(rows, top=5)
    assert [v.key for v in s.largest] == ["k00", "k01", "k02", "k03", "k04"]


def test_empty_and_top_zero():
    s = collect([], top=0)
    assert s.total == 0 and s.largest == [] and s.movies_per_year == {}
    assert collect([("movie:1", b"{}")], top=0).largest == []


def test_store_and_backup_agree(tmp_path):
    store = open_store(f"sqlite://{tmp_path}/s.sqlite3")
    assert store_statistics(store).total == 0  # missing table counts as empty
    store.write(list(generate(1500, seed=3)), [])
    s = store_statistics(store)
    assert s.counts == store.count()
    assert s.total == sum(s.counts.values())
    assert sum(s.favorites_by_type.values()) == s.counts["favorites"]
    assert sum(y["movies"] + y["sc_movies"] for y in s.movies_per_year.values()) == (
        s.counts["movies"] + s.counts["sc_movies"]
    )
    assert set(s.favorites_by_type) <= {"movie", "image", "cast", "series", "photobook"}
    assert all(y.isdigit() for y in s.movies_per_year)  # the demo data always has a release date
    result = backup(store, tmp_path / "b.json")
    b = backup_statistics(result.path)
    assert b == s
    assert compare_counts(s, b) == [
        {"category": n, "left": s.counts[n], "right": s.counts[n], "difference": 0}
        for n in CATEGORY_NAMES
        if s.counts[n]
    ]
    store.close()


def test_frames(tmp_path):
    pytest.importorskip("pandas")
    rows = list(generate(300, seed=1))
    s = collect(sorted(rows))
    f = s.frames()
    assert set(f) == {"groups", "categories", "master", "favorites", "years", "largest"}
    assert list(f["categories"]["category"]) == list(CATEGORY_NAMES)
    assert int(f["categories"]["rows"].sum()) == s.total
    assert int(f["categories"]["bytes"].sum()) == s.total_bytes
    assert list(f["groups"]["group"]) == ["Total", "Movies", "Master data", "Favorites"]
    assert int(f["years"]["movies"].sum()) == s.counts["movies"]
    assert list(f["years"]["year"]) == sorted(f["years"]["year"])
    assert len(f["largest"]) == 10
    assert len(Statistics().frames()["largest"]) == 0


def test_backup_statistics_validates(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"metadata": {"version": "2.0.0"}, "kvStoreData": [{"key": 1}]}')
    with pytest.raises(InvalidBackupError):
        backup_statistics(bad)


def test_compare_counts_difference():
    a, b = Statistics(), Statistics()
    a.counts["movies"], b.counts["movies"] = 5, 3
    b.counts["tags"] = 2
    assert compare_counts(a, b) == [
        {"category": "movies", "left": 5, "right": 3, "difference": -2},
        {"category": "tags", "left": 0, "right": 2, "difference": 2},
    ]
