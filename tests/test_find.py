"""find and show on a store, a file and repository snapshots (one, or all with where a row changed)."""

from __future__ import annotations

import json

import pytest
from helpers import cli, demo_store, dump
from test_repository import edit, ok

from mvdb_core.jsonvalue import loads

pytestmark = pytest.mark.usefixtures("state_dir")  # writer keys in a scratch folder


def test_find_a_deleted_movie_by_part_of_its_title_in_files_and_snapshots(tmp_path, identity):
    key_file, public = identity
    store = demo_store(tmp_path, 600, 2)
    rows = dump(store)
    movie = next(k for k in rows if k.startswith("movie:"))
    title = loads(rows[movie])["titleEn"] if isinstance(rows[movie], str) else rows[movie]["titleEn"]
    actress = next(k for k in rows if k.startswith("master_actress_"))
    backup = tmp_path / "b.json.zst"
    ok(cli("backup", "--store", store, "--out", str(backup), "--compress", "zstd"))
    repo = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo), "--recipient", public))
    ok(cli("snapshot", "--store", store, "--repo", str(repo), "--time", "2026-11-01T00:00:00Z"))
    edit(store, {actress: "changed"}, deletes=(movie,))
    ok(cli("snapshot", "--store", store, "--repo", str(repo), "--time", "2026-11-02T00:00:00Z"))

    part = title.split()[-1].upper()  # case-insensitive, part of the title
    in_file = json.loads(ok(cli("find", part, str(backup), "--category", "movies", "--json")).stdout)
    assert movie in [f["key"] for f in in_file] and all(f["category"] == "movies" for f in in_file)
    assert any(title in f["summary"] for f in in_file if f["key"] == movie)
    gone = cli("find", movie, "--store", store)
    assert gone.returncode == 1 and "0 matching" in gone.stdout
    latest = json.loads(ok(cli("find", actress, "--repo", str(repo), "--identity", key_file, "--json")).stdout)
    assert [f["key"] for f in latest] == [actress]
    history = json.loads(ok(cli("find", actress, "--repo", str(repo), "--snapshot", "all", "--identity", key_file,
                                "--json")).stdout)
    assert [s["changed"] for s in history[0]["snapshots"]] == [False, True]
    old = json.loads(ok(cli("find", movie, "--repo", str(repo), "--snapshot", "all", "--identity", key_file,
                            "--json")).stdout)
    assert [s["time"][:10] for s in old[0]["snapshots"]] == ["2026-11-01"]  # the last good version is there

    shown = json.loads(ok(cli("show", actress, str(backup))).stdout)
    assert shown["key"] == actress and isinstance(shown["value"], dict)  # master data decoded for display
    missing = cli("show", "movie:nope", "--store", store)
    assert missing.returncode == 2 and "no row with key 'movie:nope'" in missing.stderr
    assert missing.stderr.count("\n") == 1  # one line: the store read is closed before the store
    assert cli("find", "x").returncode == 2  # no source
    assert cli("find", "(", "--store", store, "--regex").returncode == 2
