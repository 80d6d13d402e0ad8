"""The demo-data generator: every category, the app's value quirks, determinism, streaming."""

from __future__ import annotations

import re
from collections import Counter
from types import GeneratorType

import orjson
import pytest

from mvdb_core.categories import CATEGORY_NAMES, MASTER_TYPES, categorize
from mvdb_core.demo import DEFAULT_ROWS, generate

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_ID = re.compile(r"^\d{13}-[0-9a-z]{9}$")


@pytest.fixture(scope="module")
def default_rows() -> list[tuple[str, bytes]]:
    return list(generate())


def _by_category(rows: list[tuple[str, bytes]]) -> dict[str, list[tuple[str, bytes]]]:
    out: dict[str, list[tuple[str, bytes]]] = {}
    for key, value in rows:
        out.setdefault(categorize(key), []).append((key, value))
    return out


@pytest.mark.parametrize("rows", [DEFAULT_ROWS, 50])
def test_every_category_is_present(rows: int) -> None:
    counts = Counter(categorize(key) for key, _ in generate(rows))
    assert set(counts) == set(CATEGORY_NAMES), set(CATEGORY_NAMES) - set(counts)


def test_movies_are_the_largest_category_and_exceed_1000(default_rows) -> None:
    counts = Counter(categorize(key) for key, _ in default_rows)
    assert counts["movies"] > 1000
    assert counts.most_common(1)[0][0] == "movies"


@pytest.mark.parametrize("rows", [50, 500, DEFAULT_ROWS, 8_000])
def test_row_count_roughly_matches(rows: int) -> None:
    assert abs(sum(1 for _ in generate(rows)) - rows) <= rows * 0.1


def test_generate_streams() -> None:
    assert isinstance(generate(10**9), GeneratorType)  # lazily: a billion rows cost nothing up front
    key, value = next(generate(10**9))
    assert isinstance(key, str) and isinstance(value, bytes)


def test_deterministic_per_seed() -> None:
    assert list(generate(400, seed=7)) == list(generate(400, seed=7))
    assert list(generate(400, seed=7)) != list(generate(400, seed=8))


def test_keys_unique(default_rows) -> None:
    keys = [key for key, _ in default_rows]
    assert len(keys) == len(set(keys))
    big = [key for key, _ in generate(12_000)]
    assert len(big) == len(set(big))


def test_all_values_are_compact_json(default_rows) -> None:
    for _, value in default_rows:
        assert orjson.dumps(orjson.loads(value)) == value


def test_master_values_are_json_strings_holding_objects(default_rows) -> None:
    types_seen = set()
    for key, value in default_rows:
        if not key.startswith("master_"):
            continue
        outer = orjson.loads(value)
        assert isinstance(outer, str), key  # the app's quirk: JSON.stringify(item) stored as a string
        item = orjson.loads(outer)
        assert isinstance(item, dict)
        assert {"id", "name", "type", "createdAt"} <= item.keys()
        assert key == f"master_{item['type']}_{item['id']}"
        assert _ID.match(item["id"])
        types_seen.add(item["type"])
    assert types_seen == set(MASTER_TYPES.values())


def test_movie_shape(default_rows) -> None:
    movies = [orjson.loads(v) for k, v in default_rows if k.startswith("movie:")]
    fields = {"id", "code", "dmcode", "titleEn", "titleJp", "releaseDate", "duration", "type", "director",
              "actress", "actors", "series", "studio", "label", "tags", "cover", "gallery", "galleryImages",
              "cropCover", "clinks", "ulinks", "slinks", "createdAt", "updatedAt"}
    for movie in movies:
        assert fields <= movie.keys()
        assert re.fullmatch(r"[A-Z]+-\d{3,}", movie["code"])
        assert isinstance(movie["actress"], str) and isinstance(movie["galleryImages"], list)
    years = Counter(int(m["releaseDate"][:4]) for m in movies)
    assert min(years) == 2005 and max(years) == 2025 and len(years) == 21
    assert len({m["code"] for m in movies}) == len(movies)


def test_japanese_titles_and_names(default_rows) -> None:
    movies = [orjson.loads(v) for k, v in default_rows if k.startswith("movie:")]
    assert all(_JAPANESE.search(m["titleJp"]) for m in movies)
    actresses = [orjson.loads(orjson.loads(v)) for k, v in default_rows if k.startswith("master_actress_")]
    assert all(_JAPANESE.search(a["jpname"]) and _JAPANESE.search(a["kanjiName"]) for a in actresses)


def test_favorites_reference_users_and_existing_rows(default_rows) -> None:
    cats = _by_category(default_rows)
    keys = {key for key, _ in default_rows}
    users = {key.split(":", 1)[1] for key, _ in cats["settings"] if key.startswith("custom_nav_items:")}
    assert 2 <= len(users) <= 3
    favorites = [orjson.loads(v) for _, v in cats["favorites"]]
    assert {f["type"] for f in favorites} == {"movie", "image", "cast", "series", "photobook"}
    actress_names = {orjson.loads(orjson.loads(v))["name"] for _, v in cats["actresses"]}
    for fav in favorites:
        assert re.fullmatch(r"fav_\d{13}_[0-9a-z]{6}", fav["id"])
        assert fav["userId"] in users
        if fav["type"] == "movie":
            assert f"movie:{fav['itemId']}" in keys
        elif fav["type"] == "image":
            assert f"movie:{fav['sourceId']}" in keys
        elif fav["type"] == "series":
            assert f"master_series_{fav['itemId']}" in keys
        elif fav["type"] == "photobook":
            assert f"photobook_{fav['itemId']}" in keys
        else:
            assert fav["itemId"] in actress_names
    assert len({f["userId"] for f in favorites}) >= 2


def test_other_keys_and_per_user_shapes(default_rows) -> None:
    values = dict(default_rows)
    colors = orjson.loads(values["movie_type_colors"])
    assert isinstance(colors, str) and isinstance(orjson.loads(colors), dict)
    assert "app_meta:version" in values
    for key, value in values.items():
        if key.startswith("movie_type_colors:"):
            assert isinstance(orjson.loads(value), dict)
        elif key.startswith("custom_nav_items:"):
            nav = orjson.loads(value)
            assert nav and all(item["userId"] == key.split(":", 1)[1] for item in nav)
        elif key.startswith("saved_gallery:"):
            assert f"movie:{key.split(':', 1)[1]}" in values
        elif key.startswith("movie_link:"):
            link = orjson.loads(value)
            assert f"movie:{link['primaryMovieId']}" in values and f"movie:{link['linkedMovieId']}" in values
