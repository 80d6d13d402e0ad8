"""RestStore against the PostgREST-compatible test double over a real PostgreSQL (no mocks)."""

from __future__ import annotations

import random
import threading

import httpx
import psycopg
import pytest
from pgserver import free_port
from postgrest_double import make_jwt, parse_in_list

from mvdb_core.categories import CATEGORY_NAMES
from mvdb_core.errors import StoreError, UsageError
from mvdb_core.jsonvalue import same_text
from mvdb_core.stores.rest import RestStore, compact_json_text, key_role
from mvdb_core.stores.sorting import external_sort, pages

TRICKY_ORDER = ["movie:a", "movie_link:1", "Movie:b", "~", "映画:1", "a b", "a-b", "ab", "A", "", " lead",
                "movie_type_colors", "Ω", "\U0001f3ac", "é", "e", "z"]


def make_store(server, key=None, table=None, **kw) -> RestStore:
    kw.setdefault("sleep", lambda s: None)
    return RestStore(server.url, table or server.table, server.service_key if key is None else key, **kw)


def seed(server, rows: list[tuple[str, str]]) -> None:
    with psycopg.connect(server.pg_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {server.table} (key, value) VALUES (%s, %s::jsonb)", rows)


def seed_movies(server, n: int) -> None:
    with psycopg.connect(server.pg_url, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {server.table} SELECT 'movie:' || lpad(i::text, 5, '0'), "
                     "jsonb_build_object('id', i, 'titleJp', '映画 ' || i) FROM generate_series(1, %s) i", (n,))


def db_rows(server) -> dict[str, str]:
    with psycopg.connect(server.pg_url, autocommit=True) as conn:
        return dict(conn.execute(f"SELECT key, value::text FROM {server.table}").fetchall())


def gets(server) -> list[str]:
    return [q for m, q in server.requests if m == "GET"]


# -- reading -------------------------------------------------------------------------------------
def test_reads_everything_in_code_point_order_past_the_server_cap(rest_server):
    seed_movies(rest_server, 2500)
    seed(rest_server, [(k, '{"k": 1}') for k in TRICKY_ORDER if not k.startswith("movie:0")])
    rest_server.max_rows = 700  # a cap below our page size must not truncate
    with make_store(rest_server, run_size=900) as store:  # several spilled runs
        server_order = [k for k, _ in store.scan(keys_only=True)]
        rows = [row for page in store.iter_pages(page_size=1000) for row in page]
    keys = [k for k, _ in rows]
    assert len(keys) == 2500 + len(TRICKY_ORDER) == len(set(keys))
    assert keys == sorted(keys)
    assert keys.index("movie:a") < keys.index("movie_link:1")
    assert sum(k.startswith("movie:") for k in keys) == 2501
    if rest_server.collation:  # the server's own order really differs: the re-sort is exercised
        assert server_order != sorted(server_order)
    assert dict(rows)["movie:00042"] == '{"id":42,"titleJp":"映画 42"}'.encode()
    assert dict(rows)["~"] == b'{"k":1}'
    assert all("offset=" not in q and "limit=1000" in q for q in gets(rest_server))


def test_keys_only_and_empty_table(rest_server):
    with make_store(rest_server) as store:
        assert list(store.iter_pages()) == []
        seed(rest_server, [(k, '"v"') for k in TRICKY_ORDER])
        rows = list(store.iter_rows(keys_only=True))
    assert rows == [(k, b"") for k in sorted(TRICKY_ORDER)]
    assert all("select=key&" in q for q in gets(rest_server)[1:])


def test_count_by_category_uses_exact_prefixes(rest_server):
    keys = {
        "movie:1": "movies", "scmovie:1": "sc_movies", "master_actor_1": "actors", "master_actress_1": "actresses",
        "photobook_1": "photobooks", "photobooksX": "other", "favorite_1": "favorites",
        "movie_link:1": "movie_links", "movie_type_colors": "movie_type_colors",
        "movie_type_colors:u1": "movie_type_colors", "movie_type_colorsX": "other", "settings": "settings",
        "settingsX": "other", "custom_nav_items:u1": "settings", "template_group:1": "templates",
        "saved_gallery:1": "saved_galleries", "master_actorX": "other", "Movie:1": "other",
    }
    seed(rest_server, [(k, "{}") for k in keys])
    seed_movies(rest_server, 1200)
    with make_store(rest_server) as store:
        counts = store.count()
    expected = dict.fromkeys(CATEGORY_NAMES, 0)
    for cat in keys.values():
        expected[cat] += 1
    expected["movies"] += 1200
    assert counts == expected


# -- writing -------------------------------------------------------------------------------------
def test_upsert_inserts_and_updates_in_chunks(rest_server):
    with make_store(rest_server) as store:
        store.write([("movie:1", b'{"a":1}'), ("master_tag_1", b'"{\\"name\\":\\"x\\"}"')], [])
        rows = [(f"favorite_{i:05}", b'{"i":%d}' % i) for i in range(2345)]
        store.write(iter([("movie:1", b'{"a":2}'), *rows]), [])  # read once: a plain iterator will do
    got = db_rows(rest_server)
    assert got["movie:1"] == '{"a": 2}'
    assert got["master_tag_1"] == '"{\\"name\\":\\"x\\"}"'
    assert len(got) == 2347 and got["favorite_02344"] == '{"i": 2344}'
    posts = [q for m, q in rest_server.requests if m == "POST"]
    assert len(posts) == 4 and all("on_conflict=key" in q for q in posts)  # 2 rows, then 1,000 + 1,000 + 346


DELETE_KEYS = ['a"b', "back\\slash", 'a\\"b', "com,ma", "pa(re)n", "(", ")", " lead space", "trail space ",
               "dot.ted", "star*", "per%cent", "plus+sign", "amp&er=sand", "null", "", '"quoted"', "ünï 日本",
               "new\nline", "semi;colon", "x" * 300]
KEEP_KEYS = ["a", "b", "lead space", "trail space", "back", "slash", "com", "ma", "dotXted", "starX", "perXcent"]


def test_delete_keys_with_quotes_backslashes_commas_and_parens(rest_server):
    seed(rest_server, [(k, "1") for k in DELETE_KEYS + KEEP_KEYS])
    many = [f"movie:{i}" for i in range(250)]
    seed(rest_server, [(k, "2") for k in many])
    with make_store(rest_server) as store:
        store.write([], iter(DELETE_KEYS + many + ["not there"]))
    assert sorted(db_rows(rest_server)) == sorted(KEEP_KEYS)
    assert sum(m == "DELETE" for m, _ in rest_server.requests) >= 3


def test_values_round_trip_exactly(rest_server):
    values = {
        "master_actor_1": rb'"{\"id\":\"1\",\"name\":\"Aoi\",\"links\":[{\"url\":\"https://x\"}]}"',
        "big": b"123456789012345678901234567890",
        "numbers": b'{"big":-98765432109876543210987654321,"f":0.30000000000000001,"d":1.50,"e":1e-7}',
        "unicode": '{"titleJp":"映画 🎬","esc":"\\u00e9\\n\\t\\"q\\" \\\\ "}'.encode(),
        "spaces": b'{"a": "x, y: z", "b" : [1, 2]}',
        "scalars": b"[null,true,false,0,-0.0,\"\",{}]",
        "string": b'"just a string"',
    }
    with make_store(rest_server) as store:
        store.write(values.items(), [])
        back = dict(store.iter_rows())
    assert back.keys() == values.keys()
    for key, text in values.items():
        assert same_text(back[key], text), key
        assert b"\n" not in back[key] and b", " not in back[key].replace(b'"x, y: z"', b"")
    assert back["master_actor_1"].startswith(b'"{\\"id\\"')  # a string holding JSON stays a string
    assert back["big"] == b"123456789012345678901234567890"
    assert b"-98765432109876543210987654321" in back["numbers"] and b"0.30000000000000001" in back["numbers"]
    assert back["spaces"] == b'{"a":"x, y: z","b":[1,2]}'
    with psycopg.connect(rest_server.pg_url) as conn:  # PostgreSQL compares numbers exactly
        for key, text in values.items():
            assert conn.execute(f"SELECT value = %s::jsonb FROM {rest_server.table} WHERE key = %s",
                                (text.decode(), key)).fetchone() == (True,), key


def test_invalid_json_and_json_null_are_refused_before_sending(rest_server):
    with make_store(rest_server) as store:
        with pytest.raises(StoreError, match="not valid JSON"):
            store.write([("a", b'1},{"key":"b","value":2')], [])
        # PostgREST turns a top-level JSON null into SQL NULL (json_populate_recordset): say so clearly
        with pytest.raises(StoreError, match="JSON null.*postgresql://"):
            store.write([("ok", b"1"), ("n", b" null ")], [])
        assert db_rows(rest_server) == {}
        # the same chunk check never sends a partial chunk; earlier chunks stay written
        with pytest.raises(StoreError, match="JSON null"):
            store.write([(f"k{i:04}", b"1") for i in range(1000)] + [("n", b"null")], [])
    assert len(db_rows(rest_server)) == 1000


# -- retries and errors --------------------------------------------------------------------------
def test_transient_errors_are_retried_with_backoff(rest_server):
    seed_movies(rest_server, 10)
    before = set(threading.enumerate())  # other tests in this process (apprise's pool) may have left theirs
    sleeps: list[float] = []
    with make_store(rest_server, sleep=sleeps.append) as store:
        rest_server.fail_next(2, 503)
        assert len(list(store.iter_rows())) == 10
        assert sleeps == [0.2, 0.4]
        rest_server.fail_next(2, 0)  # connection dropped without an answer
        store.write([("movie:x", b"1")], ["movie:00001"])
        rest_server.fail_next(1, 429)
        assert store.count()["movies"] == 10
    # supabase-py (auth auto-refresh off) leaves no timer or worker thread behind
    assert [t for t in threading.enumerate() if not t.daemon and t not in before] == []


def test_too_many_failures_end_in_a_clean_store_error(rest_server):
    with make_store(rest_server) as store:
        rest_server.fail_next(20, 503)
        n = len(rest_server.requests)
        with pytest.raises(StoreError, match="503.*after 5 attempts") as err:
            store.count()
        rest_server.fail_next(0)
    assert "\n" not in str(err.value) and len(rest_server.requests) == n  # faults are served before logging


def test_bad_key_is_a_401_store_error_without_the_key(rest_server):
    bad = make_jwt({"role": "service_role"}, secret=b"some other project")
    with make_store(rest_server, key=bad) as store, pytest.raises(StoreError) as err:
        list(store.iter_rows())
    message = str(err.value)
    assert "401" in message and "rejected" in message
    assert bad not in message and bad.split(".")[2] not in message and rest_server.service_key not in message


def test_anon_key_under_rls_reads_nothing_says_why_and_cannot_write(rest_server):
    seed_movies(rest_server, 5)
    rest_server.set_rls(True)
    with make_store(rest_server, key=rest_server.anon_key) as anon:
        assert list(anon.iter_pages()) == []
        assert sum(anon.count().values()) == 0
        assert anon.table_exists()
        reason = anon.empty_reason()
    assert reason and "Row Level Security" in reason and "service_role" in reason
    assert rest_server.anon_key not in reason
    with make_store(rest_server) as service:
        assert len(list(service.iter_rows())) == 5
        assert service.empty_reason() is None
    with make_store(rest_server, key=rest_server.anon_key) as anon, pytest.raises(StoreError) as err:
        anon.write([("movie:1", b"{}")], [])
    assert "Row Level Security" in str(err.value) and "service_role" in str(err.value)
    assert rest_server.anon_key not in str(err.value)
    assert len(db_rows(rest_server)) == 5
    rest_server.set_rls(False)
    with make_store(rest_server, key=rest_server.anon_key) as anon:
        assert len(list(anon.iter_rows())) == 5  # without RLS anon is like service


def test_missing_table(rest_server):
    with make_store(rest_server, table="kv_store_missing") as store:
        assert store.table_exists() is False
        with pytest.raises(StoreError, match="CREATE TABLE IF NOT EXISTS kv_store_missing") as err:
            store.write([("a", b"1")], [])
        assert "SQL editor" in str(err.value)
        with pytest.raises(StoreError, match="CREATE TABLE"):
            store.create_table()
        with pytest.raises(StoreError, match="does not exist"):
            store.count()
    with make_store(rest_server) as store:
        assert store.table_exists() is True


def test_unreachable_server():
    url = f"http://127.0.0.1:{free_port()}"
    with RestStore(url, key=make_jwt({"role": "service_role"}), sleep=lambda s: None) as store:
        with pytest.raises(StoreError, match=f"cannot reach {url}"):
            store.table_exists()


def test_usage_errors_describe_and_key_roles():
    with pytest.raises(UsageError, match="--key.*MVDB_SUPABASE_KEY"):
        RestStore("https://abcd.supabase.co", "kv_store_cd38bf14", None)
    with pytest.raises(UsageError):
        RestStore("ftp://x", key="k")
    store = RestStore("https://abcdefghij.supabase.co/rest/v1/", key="sb_publishable_xyz")
    assert store.url == "https://abcdefghij.supabase.co"
    assert store.describe() == {"kind": "supabase", "table": "kv_store_cd38bf14", "projectId": "abcdefghij",
                                "host": "abcdefghij.supabase.co"}
    assert "Row Level Security" in (store.empty_reason() or "")
    assert RestStore("http://localhost:54321", key="k").describe()["projectId"] is None
    assert key_role(make_jwt({"role": "anon"})) == "anon"
    assert key_role(make_jwt({"role": "service_role"})) == "service_role"
    assert key_role("sb_secret_abc") == "service_role"
    assert key_role("not a jwt") is None and key_role("a.!!!.c") is None


def test_compact_json_text():
    assert compact_json_text('{"a": [1, 2], "b": "x, y: z \\" ,"}') == '{"a":[1,2],"b":"x, y: z \\" ,"}'
    assert compact_json_text("[1, 2]") == "[1,2]"
    assert compact_json_text('"a b"') == '"a b"'


# -- external sort -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed_value", range(5))
def test_external_sort_small_runs_on_random_data(seed_value):
    rnd = random.Random(seed_value)
    alphabet = ["a", "A", "_", ":", "~", "é", "日", "\U0001f3ac", " ", "\\", '"']
    rows = [("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 5))), str(i).encode())
            for i in range(rnd.randint(0, 200))]
    out = list(external_sort(iter(rows), run_size=3, max_open_runs=4))
    assert out == sorted(rows, key=lambda r: r[0])  # stable: equal keys keep their input order
    assert list(external_sort(rows, run_size=1000)) == out
    assert [r for p in pages(out, 7) for r in p] == out
    assert all(len(p) == 7 for p in list(pages(out, 7))[:-1])


def test_external_sort_keeps_values_and_stops_early():
    rows = [(f"k{i % 10}", bytes([i % 256]) * (i % 5)) for i in range(50)]
    assert list(external_sort(rows, run_size=3)) == sorted(rows, key=lambda r: r[0])
    it = external_sort(rows, run_size=3)
    next(it)
    it.close()  # temp files are closed when the consumer stops
    with pytest.raises(ValueError):
        list(external_sort(rows, run_size=0))


# -- the double is faithful where the store depends on it --------------------------------------------
def test_double_count_header_cap_and_conflict(rest_server):
    seed_movies(rest_server, 1500)
    base = f"{rest_server.url}/rest/v1/{rest_server.table}"
    headers = {"apikey": rest_server.service_key, "Authorization": f"Bearer {rest_server.service_key}"}
    with httpx.Client(headers=headers) as http:
        r = http.get(base, params={"select": "key", "limit": "5000"}, headers={"Prefer": "count=exact"})
        assert r.status_code == 206 and r.headers["Content-Range"] == "0-999/1500" and len(r.json()) == 1000
        r = http.get(base, params={"select": "key", "key": "eq.nothing"}, headers={"Prefer": "count=exact"})
        assert r.status_code == 200 and r.headers["Content-Range"] == "*/0" and r.json() == []
        body = '[{"key":"movie:00001","value":{}}]'
        r = http.post(base, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 409 and r.json()["code"] == "23505"
        r = http.post(base, params={"on_conflict": "key"}, content=body,
                      headers={"Prefer": "resolution=merge-duplicates,return=minimal"})
        assert r.status_code == 201 and r.content == b""
        r = http.get(base, params={"key": "like.movie:0000*", "select": "key", "order": "key.desc"})
        assert [x["key"] for x in r.json()] == [f"movie:0000{i}" for i in range(9, 0, -1)]
        r = http.get(base, params={"key": "not.nope.1"})
        assert r.status_code == 400 and r.json()["code"] == "PGRST100"
        r = http.get(base, params={"order": "key.sideways"})
        assert r.status_code == 400 and r.json()["code"] == "PGRST100"
        r = http.post(base, content='[{"key":"x","value":null}]')  # as in PostgREST: SQL NULL
        assert r.status_code == 400 and r.json()["code"] == "23502"
        r = http.get(f"{rest_server.url}/rest/v1/other_table")
        assert r.status_code == 404 and r.json()["code"] == "PGRST205"
        assert "'public.other_table'" in r.json()["message"]
        r = http.get(base, headers={"apikey": "wrong"})
        assert r.status_code == 401 and r.json()["message"] == "Invalid API key"


def test_double_in_list_grammar():
    assert parse_in_list('(a,"b,c", d ,"e\\"f\\\\")') == ["a", "b,c", " d ", 'e"f\\']
    assert parse_in_list("( x,y)") == ["x", "y"]  # PostgREST drops spaces right after "("
    assert parse_in_list('("a"b,c)') == ['"a"b', "c"]  # a quote not closing an element is literal
