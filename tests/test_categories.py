import pytest

from mvdb_core.categories import CATEGORY_NAMES, categorize, empty_counts, group_totals, parse_category_list
from mvdb_core.errors import UsageError


@pytest.mark.parametrize(
    "key, category",
    [
        ("movie:1700000000000-k3j9x0a1b", "movies"),
        ("scmovie:1", "sc_movies"),
        ("master_actor_1", "actors"),
        ("master_actress_1", "actresses"),
        ("master_director_1", "directors"),
        ("master_studio_1", "studios"),
        ("master_series_1", "series"),
        ("master_label_1", "labels"),
        ("master_group_1", "groups"),
        ("master_tag_1", "tags"),
        ("master_type_1", "types"),
        ("master_linklabel_1", "link_labels"),
        ("master_generation_1", "generations"),
        ("master_lineup_1", "lineups"),
        ("photobook_1", "photobooks"),
        ("favorite_fav_1700000000000_x1y2z3", "favorites"),
        ("movie_link:1", "movie_links"),
        ("movie_type_colors", "movie_type_colors"),
        ("movie_type_colors:user-1", "movie_type_colors"),
        ("template_group:1", "templates"),
        ("custom_nav_items:user-1", "settings"),
        ("settings", "settings"),
        ("settings:ai", "settings"),
        ("saved_gallery:movie-1", "saved_galleries"),
        # prefix traps: LIKE 'photobook_%' would match these, an exact prefix must not
        ("photobooksX", "other"),
        ("photobookX1", "other"),
        ("master_actorx_1", "other"),
        ("master_actor", "other"),
        ("favoriteX", "other"),
        ("favorites_1", "other"),
        ("movie_type_colorsX", "other"),
        ("settingsX", "other"),
        ("movies:1", "other"),
        ("Movie:1", "other"),
        ("", "other"),
        ("映画:1", "other"),
    ],
)
def test_categorize(key, category):
    assert categorize(key) == category


def test_every_category_and_groups():
    counts = empty_counts()
    assert list(counts) == list(CATEGORY_NAMES) and len(CATEGORY_NAMES) == 22
    counts.update(movies=3, sc_movies=2, actors=1, lineups=4, favorites=5, other=7)
    assert group_totals(counts) == {"Total": 22, "Movies": 5, "Master data": 5, "Favorites": 5}


def test_parse_category_list():
    assert parse_category_list(None) is None
    assert parse_category_list("movies, favorites") == {"movies", "favorites"}
    with pytest.raises(UsageError, match="unknown category 'movie'"):
        parse_category_list("movie")


def test_sql_case_agrees_with_categorize(tmp_path):
    import sqlite3

    from mvdb_core.categories import sql_case

    keys = ["movie:1", "photobooksX", "master_actorx_1", "settings", "settings:x", "movie_type_colors", "zzz",
            "master_linklabel_9", "custom_nav_items:u", "favorite_1", "a'b"]
    conn = sqlite3.connect(":memory:")
    conn.execute("create table t (key text)")
    conn.executemany("insert into t values (?)", [(k,) for k in keys])
    got = dict(conn.execute(f"select key, {sql_case()} from t").fetchall())
    assert got == {k: categorize(k) for k in keys}


def test_categorizer_agrees_with_categorize_on_sorted_keys():
    from hypothesis import given
    from hypothesis import strategies as st

    from mvdb_core.categories import _PREFIX, categorizer

    prefixes = list(_PREFIX)
    # the cache relies on this: no category prefix is a prefix of another
    assert not [(a, b) for a in prefixes for b in prefixes if a != b and b.startswith(a)]

    @given(st.lists(st.builds(lambda p, s: p + s, st.sampled_from(prefixes + ["", "settings", "movie_type_colors"]),
                              st.text(max_size=6))))
    def check(keys):
        fast = categorizer()
        assert [fast(k) for k in sorted(keys)] == [categorize(k) for k in sorted(keys)]

    check()


def test_counting_sorted_keys_by_bisection_agrees_with_categorize():
    from collections import Counter

    from hypothesis import given
    from hypothesis import strategies as st

    from mvdb_core.categories import _PREFIX, add_sorted_counts, empty_counts

    starts = [*_PREFIX, "", "settings", "movie_type_colors", "movie", "master_actor", "favorite"]

    @given(st.lists(st.builds(lambda p, s: p + s, st.sampled_from(starts), st.text(max_size=4)), unique=True))
    def check(keys):
        keys.sort()
        counts = empty_counts()
        add_sorted_counts(counts, keys)
        assert counts == {**empty_counts(), **Counter(categorize(k) for k in keys)}

    check()
