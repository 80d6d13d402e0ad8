"""Looking inside sources (mvdb_core/browse.py): key ranges, the same rows from every kind of source, the byte
scan of a search against the row-by-row check, pages with bounded memory, changed rows side by side."""

from __future__ import annotations

import json
import subprocess
import tracemalloc

import orjson
import pytest
from helpers import cli
from test_repository import ok

import mvdb_core.backup_file as backup_file
from mvdb_core.backup_file import BackupFile, BackupWriter
from mvdb_core.browse import Query, Scope, count, page, rows
from mvdb_core.categories import CATEGORY_NAMES, categorize, key_ranges
from mvdb_core.cli import COMMANDS, GROUPS, build_parser
from mvdb_core.demo import generate
from mvdb_core.keys import Keys
from mvdb_core.repository import SnapshotReader, init_repository
from mvdb_core.restore import RestoreOptions, changed_rows
from mvdb_core.stores import open_store

pytestmark = pytest.mark.usefixtures("state_dir")

# Rows a byte scan could get wrong: escapes, JSON inside strings, odd keys, characters whose case is special.
TRICKY: list[tuple[str, bytes]] = sorted([
    ("master_actress_1", orjson.dumps(json.dumps({"name": "Yui \"Sunny\" Sato", "alias": "a\\b"}))),
    ("master_actor_2", orjson.dumps(json.dumps({"name": "Amélie", "note": "caf\u00e9"}, ensure_ascii=True))),
    ("movie:1", '{"titleEn":"ISTANBUL Nights","titleJp":"夏の終わり"}'.encode()),
    ("movie:2", '{"titleEn":"\u0130stanbul by day","code":"K\u212aLVIN-1"}'.encode()),
    ("movie:3", b'{"titleEn":"Tab\\there, slash \\/ and quote \\" inside","n":1.50}'),
    ("movie:\"quoted\\key", b'{"titleEn":"odd key"}'),
    ("movie:\u00e9t\u00e9", b'{"titleEn":"Summer value, key in the value"}'),
    ("settings", b'{"theme":"dark","value":"key"}'),
    ("settingsX", b'{"theme":"other category"}'),
    ("zz_other:1", b'["a list","of STRINGS"]'),
    ("zz_other:2", b'"a JSON string, not JSON inside"'),
    ("zz_other:3", b"12345678901234567890123"),
])
PATTERNS = ["yui", "SUNNY", '"sunny"', "sunny\"", "a\\b", "amélie", "AMÉLIE", "caf\\u00e9", "café", "istanbul",
            "İstanbul", "i̇stanbul", "k", "kelvin", "\u212a", "夏の", "終わり", "tab\\there", "slash \\/", "\\/",
            "quote \\\"", '"titleen":"istanbul', "1.50", "1.5", "odd key", "quoted", "été", "ÉTÉ", "value", "key",
            "\"key\"", ":", ",", "}", "movie", "strings", "json string", "901234567890", "dark", "x", "zzzz"]


def _file(tmp_path, data: list[tuple[str, bytes]], name: str = "rows.json"):
    path = tmp_path / name
    with BackupWriter(path, {"kind": "sqlite", "table": "kv_store_cd38bf14"}) as writer:
        writer.add(data)
        writer.commit()
    return path


def test_key_ranges_hold_exactly_the_keys_of_their_category():
    keys = sorted({k for k, _ in generate(800, seed=3)} | {k for k, _ in TRICKY} | {
        "", "movie", "movie:", "movie;", "movie_type_colors", "movie_type_colors:", "movie_type_colorsX",
        "settings", "settings:", "settingsX", "custom_nav_items:u", "master_actor", "master_actor_", "master_",
        "\U0010ffff", "\x01", "template_group:\uffff"})
    for name in CATEGORY_NAMES:
        inside = [k for k in keys if any(a <= k and (b is None or k < b) for a, b in key_ranges(name))]
        assert inside == [k for k in keys if categorize(k) == name], name


@pytest.fixture
def sources(tmp_path, pg_url, rest_server, identity):
    """The same rows in every kind of source, each opened as a context manager."""
    data = sorted({**dict(generate(700, seed=9)), **dict(TRICKY)}.items())
    sqlite = f"sqlite://{tmp_path}/s.sqlite3"
    for url in (sqlite, pg_url):
        with open_store(url) as store:
            store.create_table()
            store.write(data)
    plain = _file(tmp_path, data)
    key_file, public = identity
    ok(cli("backup", "--store", sqlite, "--out", str(tmp_path / "s.json.zst.age"), "--compress", "zstd",
           "--recipient", public))
    legacy = tmp_path / "legacy.json"
    meta = {"version": "2.0.0", "timestamp": "2024-05-01T10:00:00.000Z", "totalItems": len(data)}
    entries = ",\n".join(f'{{"key": {json.dumps(k)}, "value": {v.decode()}}}' for k, v in reversed(data))
    legacy.write_text(f'{{"metadata": {json.dumps(meta)},\n"kvStoreData": [\n{entries}\n]}}\n')  # unsorted
    repo = init_repository(str(tmp_path / "repo"), "none", Keys(), leaf_bits=4)  # many small leaves
    with open_store(sqlite) as store:
        snap_id = repo.snapshot(store, Keys()).id
    age_keys = Keys(identities=[backup_file_identity(key_file)])

    def snapshot():
        return SnapshotReader(repo, repo.find(snap_id), Keys())

    return data, {
        "sqlite": lambda: open_store(sqlite), "postgresql": lambda: open_store(pg_url),
        "Data API (its table is the PostgreSQL one)": lambda: open_store(rest_server.url, key=rest_server.service_key),
        "plain file": lambda: _closing(BackupFile(plain)),
        "sealed file": lambda: _closing(BackupFile(tmp_path / "s.json.zst.age", age_keys)),
        "2.0.0 file": lambda: _closing(BackupFile(legacy)), "snapshot": lambda: _closing(snapshot()),
    }


def backup_file_identity(path):
    import pyrage

    secret = next(line for line in open(path) if line.startswith("AGE-SECRET-KEY"))
    return pyrage.x25519.Identity.from_str(secret.strip())


class _closing:
    def __init__(self, thing):
        self.thing = thing

    def __enter__(self):
        return self.thing

    def __exit__(self, *exc):
        getattr(self.thing, "close", lambda: None)()


def _same_value(a: bytes, b: bytes) -> bool:
    return orjson.loads(a) == orjson.loads(b)


def test_every_source_gives_the_same_rows_for_every_scope(sources):
    data, opened = sources
    scopes = [Scope(name) for name in CATEGORY_NAMES] + [Scope(None, "movie:"), Scope(None, "master_act"),
                                                         Scope(None, "movie:\"q"), Scope(None, "zz_%*"),
                                                         Scope("movies", None, Query("istanbul")),
                                                         Scope(None, None, Query("SUNNY")),
                                                         Scope(None, None, Query("ZZ_oth")),  # LIKE's _ escaped
                                                         Scope(None, None, Query("夏の")),
                                                         Scope(None, None, Query("1.5")),
                                                         Scope(None, None, Query(r"caf\\u00e9|夏", regex=True))]
    for scope in scopes:
        q = scope.query
        expected = [(k, v) for k, v in data if scope.holds(k) and (q is None or q.matches(k, v))]
        for label, make in opened.items():
            with make() as source:
                got = list(rows(source, scope))
                assert [k for k, _ in got] == [k for k, _ in expected], (label, scope)
                assert all(_same_value(a, b) for (_, a), (_, b) in zip(got, expected)), (label, scope)
                assert count(source, scope) == len(expected), (label, scope)


def test_the_byte_scan_finds_exactly_what_the_row_by_row_check_finds(tmp_path, monkeypatch):
    spaced = {"zz_other:4": b' {"t":"spaced"} '}  # kept so in the file; a row read back has no spaces around it
    data = sorted({**dict(generate(400, seed=4)), **dict(TRICKY), **spaced}.items())
    path = _file(tmp_path, data)
    held = list(BackupFile(path).entries())
    assert dict(held)["zz_other:4"] == b'{"t":"spaced"}'
    monkeypatch.setattr(backup_file, "SCAN_BYTES", 4096)  # many chunks, lines longer than a chunk
    monkeypatch.setattr("mvdb_core.browse._PARALLEL_BYTES", 0)  # and a scan split between processes
    scanned = 0
    for pattern in [*PATTERNS, "} ", " {", '"} ']:
        query = Query(pattern)
        expected = [k for k, v in held if query.matches(k, v)]
        if query.needle is not None:
            scanned += 1
        for workers in (1, 3):
            got = [k for k, _ in rows(BackupFile(path), Scope(None, None, query), workers)]
            assert got == expected, (pattern, workers)
            assert count(BackupFile(path), Scope(None, None, query), workers) == len(expected)
        for name in ("movies", "other", "settings"):
            scope = Scope(name, None, query)
            assert [k for k, _ in rows(BackupFile(path), scope)] == [k for k in expected if categorize(k) == name]
    assert scanned >= 20  # most patterns took the byte scan


def test_a_line_not_in_the_writers_form_is_parsed(tmp_path):
    """A space before `,"value":` (an edited file): a `","value":` inside the value must not end the key."""
    path = _file(tmp_path, [("settings", b'{"b":"Yui","value":1}')])
    written = path.read_bytes()
    path.write_bytes(written.replace(b'{"key":"settings","value":', b'{"key":"settings" ,"value":'))
    assert path.read_bytes() != written
    scope = Scope("settings", None, Query("yui"))
    assert [k for k, _ in rows(BackupFile(path, check_metadata=False), scope)] == ["settings"]


@pytest.mark.parametrize(("pattern", "key", "found"), [
    ("amélie", "master_actor_2", False),  # written \\u00e9 inside JSON inside a string: matched as written...
    ("caf\\u00e9", "master_actor_2", True),  # ...so the escape itself is what finds it
    ("AMÉLIE", "master_actor_2", False),
    ('"name": "yui \\"sunny\\"', "master_actress_1", True),  # escaped quotes of JSON in a string are undone
    ("istanbul", "movie:2", False),  # İ is not I
    ("i̇stanbul", "movie:2", False),
    ("İSTANBUL", "movie:2", True),
    ("kelvin", "movie:2", False),  # nor is the Kelvin sign K
    ("1.50", "movie:3", True),  # numbers as written
    ("1.5", "movie:3", True),
    ("1.500", "movie:3", False),
])
def test_what_a_search_matches(pattern, key, found):
    value = dict(TRICKY)[key]
    assert Query(pattern).matches(key, value) is found


def test_find_count_agrees_with_grep(tmp_path):
    path = _file(tmp_path, sorted(generate(3000, seed=6)))
    for pattern in ("ABP-0", "secret DIARY", "京都", "nothing-like-this", "pics.example.com/abp"):
        mine = cli("find", pattern, str(path), "--count")
        grep = subprocess.run(["grep", "-c", "-i", pattern, str(path)], capture_output=True, text=True)
        assert mine.stdout.strip() == grep.stdout.strip() and mine.returncode == grep.returncode, pattern


def test_a_page_reads_no_more_than_it_shows(tmp_path):
    """Memory of a page depends on the page, not on the file: a ten times bigger file peaks alike."""
    peaks = []
    for n in (4000, 40000):
        path = _file(tmp_path, sorted(generate(n, seed=1)), f"{n}.json")
        tracemalloc.start()
        for scope in (Scope("movies"), Scope("favorites"), Scope(None, None, Query("tokyo"))):
            got = page(BackupFile(path), scope, 100)
            assert len(got.rows) == 100 and got.more and len(got.frame) == 100
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5, peaks


def test_a_page_of_a_store_as_a_frame(tmp_path):
    url = f"sqlite://{tmp_path}/f.sqlite3"
    with open_store(url) as store:
        store.create_table()
        store.write(TRICKY)
        shown = page(store, Scope("other", "zz_other:"), 10)
    frame = shown.frame
    assert list(frame["key"]) == ["zz_other:1", "zz_other:2", "zz_other:3"] and not shown.more
    assert list(frame["value"]) == ['["a list","of STRINGS"]', "a JSON string, not JSON inside",
                                    "12345678901234567890123"]  # one column, one type: text
    with open_store(url) as store:
        actress = page(store, Scope("actresses"), 10).frame
    assert actress.loc[0, "name"] == 'Yui "Sunny" Sato'  # master data decoded for display


def test_changed_rows_side_by_side_and_the_limit(tmp_path):
    data = sorted(generate(500, seed=2))
    path = _file(tmp_path, data)
    url = f"sqlite://{tmp_path}/c.sqlite3"
    favorites = [k for k, _ in data if k.startswith("favorite_")]
    with open_store(url) as store:
        store.create_table()
        store.write(data)
        store.write([(k, b'{"changed":true}') for k in favorites[:7]], favorites[7:9])
        found, more = changed_rows(BackupFile(path), store, RestoreOptions(), "favorites", limit=5)
        assert [c.key for c in found] == favorites[:5] and more
        assert all(c.current == b'{"changed":true}' and c.restored == dict(data)[c.key] for c in found)
        found, more = changed_rows(BackupFile(path), store, RestoreOptions(), "favorites", limit=50)
        assert len(found) == 7 and not more  # the two deleted ones are added, not changed
        only = changed_rows(BackupFile(path), store, RestoreOptions(keys=frozenset(favorites[3:4])), "favorites")
        assert [c.key for c in only[0]] == favorites[3:4]
        assert changed_rows(BackupFile(path), store, RestoreOptions(), "movies") == ([], False)


def test_every_command_imports_only_its_own_module():
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]
    assert set(sub.choices) == set(COMMANDS) and set(COMMANDS.values()) == set(GROUPS)
    for command, group in COMMANDS.items():
        [own] = [a for a in build_parser([group])._actions if a.dest == "command"]
        assert command in own.choices, (command, group)


def test_restore_match_takes_what_find_lists(tmp_path):
    data = sorted(generate(500, seed=8))
    path = _file(tmp_path, data)
    url = f"sqlite://{tmp_path}/m.sqlite3"
    movie = next(k for k, _ in data if k.startswith("movie:"))
    title = orjson.loads(dict(data)[movie])["titleEn"]
    with open_store(url) as store:
        store.create_table()
        store.write(data, [movie])
    listed = json.loads(ok(cli("find", title, str(path), "--json")).stdout)
    assert movie in [f["key"] for f in listed]
    done = ok(cli("restore", str(path), "--store", url, "--match", title.upper(), "--yes"))
    assert "1 row(s) written" in done.stdout  # the other rows with that title are in the store as they were
    with open_store(url) as store:
        assert dict(store.iter_rows())[movie] == dict(data)[movie]
    none = cli("restore", str(path), "--store", url, "--match", "zz-nothing-zz", "--yes")
    assert none.returncode == 2 and "no row of the backup matches --match 'zz-nothing-zz'" in none.stderr
    mirror = cli("restore", str(path), "--store", url, "--match", title, "--mode", "mirror", "--yes")
    assert mirror.returncode == 2 and "mirror mode" in mirror.stderr
    for elsewhere in (("--match", title), ("--keys", movie)):  # rows outside --categories: said, not an empty plan
        outside = cli("restore", str(path), "--store", url, *elsewhere, "--categories", "settings", "--dry-run")
        assert outside.returncode == 2 and "none of the rows to restore is in --categories settings" in outside.stderr


def test_find_across_s3_snapshots_fetches_each_leaf_once(tmp_path, bucket, s3_env, monkeypatch):
    from mvdb_core.browse import find_across
    from mvdb_core.repository import Repository

    url = f"sqlite://{tmp_path}/a.sqlite3"
    data = sorted(generate(1500, seed=12))
    movie = next(k for k, _ in data if k.startswith("movie:"))
    actress = next(k for k, _ in data if k.startswith("master_actress_"))
    repo = init_repository(f"s3://{bucket}/mvdb", "none", Keys(), leaf_bits=5)
    with open_store(url) as store:
        store.create_table()
        store.write(data)
        repo.snapshot(store, Keys(), time="2026-11-01T00:00:00Z")
        store.write([(actress, b'{"name":"changed"}')], [movie])
        repo.snapshot(store, Keys(), time="2026-11-02T00:00:00Z")
        repo.snapshot(store, Keys(), time="2026-11-03T00:00:00Z")
    fetched: list[str] = []
    real = Repository._fetch

    def counting(self, info, secret, ref):
        fetched.append(ref["name"])
        return real(self, info, secret, ref)

    monkeypatch.setattr(Repository, "_fetch", counting)
    infos = repo.snapshots()
    readers = [(i.id[:8], i.time, SnapshotReader(repo, i, Keys())) for i in infos]
    found = {f.key: f for f in find_across(readers, Scope(None, None, Query(actress[-12:])))}
    assert [s["changed"] for s in found[actress].snapshots] == [False, True, False]
    assert sorted(fetched) == sorted(set(fetched))  # every leaf once, though three snapshots name most of them
    assert set(fetched) == {name for i in infos for name in i.leaves}
    history = json.loads(ok(cli("find", movie, "--repo", f"s3://{bucket}/mvdb", "--snapshot", "all",
                                "--json")).stdout)
    assert [s["time"][:10] for s in history[0]["snapshots"]] == ["2026-11-01"]  # where the last good version is


def test_the_data_api_is_asked_only_for_the_keys_a_range_can_hold(rest_server, monkeypatch):
    data = sorted(generate(300, seed=13))
    store = open_store(rest_server.url, key=rest_server.service_key)
    store.write(data)
    asked: list[list[tuple[str, str]]] = []
    real = type(store)._request

    def recording(self, method, doing, params, **kwargs):
        asked.append(list(params))
        return real(self, method, doing, params, **kwargs)

    monkeypatch.setattr(type(store), "_request", recording)
    got = list(store.rows_between(*key_ranges("actors")[0]))
    assert [k for k, _ in got] == [k for k, _ in data if categorize(k) == "actors"]
    assert all(("key", "like.master\\_actor*") in params for params in asked)  # `_` is LIKE's wildcard: escaped
    store.close()


# Found by an adversarial pass: each of these failed before its fix.

def test_a_snapshot_search_counts_each_row_once_in_categories_of_several_ranges(tmp_path):
    """A leaf may hold rows of several key ranges of one category (settings, other): it is searched once."""
    data = sorted({**dict(generate(600, seed=14)), **dict(TRICKY)}.items())
    path = _file(tmp_path, data)
    url = f"sqlite://{tmp_path}/r.sqlite3"
    with open_store(url) as store:
        store.create_table()
        store.write(data)
        for bits in (4, 12):  # many leaves, and one leaf for everything
            repo = init_repository(str(tmp_path / f"repo{bits}"), "none", Keys(), leaf_bits=bits)
            repo.snapshot(store, Keys())
            for name in ("settings", "other", "movie_type_colors"):
                for pattern in ("e", "theme", "zz"):
                    scope = Scope(name, None, Query(pattern))
                    reader = SnapshotReader(repo, repo.find("latest"), Keys())
                    assert count(reader, scope) == count(BackupFile(path), scope), (bits, name, pattern)
                    assert [k for k, _ in rows(reader, scope)] == [k for k, _ in rows(BackupFile(path), scope)]
                    reader.close()


def test_find_refuses_a_truncated_file_instead_of_a_partial_answer(tmp_path):
    path = _file(tmp_path, sorted(generate(800, seed=15)))
    cut = tmp_path / "cut.json"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    for extra in ([], ["--count"], ["--prefix", "favorite_"], ["--category", "settings"]):
        run = cli("find", "a", str(cut), *extra)
        assert run.returncode == 2 and "is truncated" in run.stderr and run.stderr.count("\n") == 1, extra


def test_prefixes_at_the_end_of_unicode(tmp_path):
    from mvdb_core.categories import after_prefix

    assert after_prefix("movie:") == "movie;" and after_prefix("a\U0010ffff") == "b"
    assert after_prefix("\ud7ff") == "\ue000" and after_prefix("\U0010ffff\U0010ffff") is None
    data = sorted([("z\U0010ffff", b'{"n":"max"}'), ("z\U0010ffffa", b'{"n":"max a"}'), ("\ud7ff", b'{"n":"max"}'),
                   ("\ue000", b'{"n":"other"}')])
    url = f"sqlite://{tmp_path}/u.sqlite3"
    with open_store(url) as store:
        store.create_table()
        store.write(data)
    path = _file(tmp_path, data)
    for source in (["--store", url], [str(path)]):
        assert ok(cli("find", "max", *source, "--prefix", "z\U0010ffff", "--count")).stdout.strip() == "2"
        assert ok(cli("find", "max", *source, "--prefix", "\ud7ff", "--count")).stdout.strip() == "1"


def test_arguments_that_are_not_text_and_an_empty_match_are_refused(tmp_path):
    path = _file(tmp_path, sorted(generate(200, seed=16)))
    url = f"sqlite://{tmp_path}/e.sqlite3"
    not_utf8 = b"\xff".decode("utf-8", "surrogateescape")  # what Python makes of a byte the terminal could not read
    for args in (["find", not_utf8, str(path)], ["find", "x", "--store", url, "--prefix", not_utf8],
                 ["show", not_utf8, "--store", url]):
        run = cli(*args)
        assert run.returncode == 2 and "not valid UTF-8" in run.stderr and "unexpected" not in run.stderr, args
    empty = cli("restore", str(path), "--store", url, "--match", "", "--yes")
    assert empty.returncode == 2 and "--match is empty" in empty.stderr
    with open_store(url) as store:
        assert not store.table_exists() or store.is_empty()  # nothing was written
