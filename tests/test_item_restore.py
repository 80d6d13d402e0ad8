"""Item-level restore: --keys, --keys-file, --match restore exactly those rows (plan, verification), from a
file or a repository snapshot; mirror mode and unknown keys are refused before anything is written."""

from __future__ import annotations

import json

import pytest
from helpers import cli, demo_store, dump
from test_repository import edit, ok

pytestmark = pytest.mark.usefixtures("state_dir")  # writer keys in a scratch folder


@pytest.fixture
def damaged(tmp_path):
    """A store, its backup file and snapshot, then one movie deleted, one actress changed, one other row edited."""
    store = demo_store(tmp_path, 600, 2)
    before = dump(store)
    backup = tmp_path / "backup.json"
    ok(cli("backup", "--store", store, "--out", str(backup)))
    repo = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo), "--no-encryption"))
    ok(cli("snapshot", "--store", store, "--repo", str(repo)))
    movie = next(k for k in before if k.startswith("movie:"))
    actress = next(k for k in before if k.startswith("master_actress_"))
    other = next(k for k in before if k.startswith("master_actor_"))
    edit(store, {actress: "changed by mistake", other: "a wanted edit"}, deletes=(movie,))
    return store, backup, repo, before, movie, actress, other


def test_restore_keys_brings_back_exactly_those_rows_from_a_file(damaged, tmp_path):
    store, backup, _repo, before, movie, actress, other = damaged
    plan = json.loads(ok(cli("diff", str(backup), "--store", store, "--keys", f"{movie},{actress}", "--json")).stdout)
    totals = {n: c for n, c in plan["categories"].items()}
    assert sum(c["added"] for c in totals.values()) == 1 and sum(c["changed"] for c in totals.values()) == 1
    assert sum(c["unchanged"] for c in totals.values()) == 0
    done = ok(cli("restore", str(backup), "--store", store, "--keys", f"{movie},{actress}", "--yes"))
    assert "1 row(s) written" not in done.stdout and "2 row(s) written" in done.stdout
    after = dump(store)
    assert after[movie] == before[movie] and after[actress] == before[actress]
    assert after[other] == "a wanted edit"  # nothing else touched
    assert {k: v for k, v in after.items() if k != other} == {k: v for k, v in before.items() if k != other}


def test_restore_keys_file_and_match_from_a_snapshot(damaged, tmp_path):
    store, _backup, repo, before, movie, actress, other = damaged
    listing = tmp_path / "keys.txt"
    listing.write_text(f"{movie}\n\n")
    ok(cli("restore", "--repo", str(repo), "--store", store, "--keys-file", str(listing), "--yes"))
    after = dump(store)
    assert after[movie] == before[movie] and after[actress] == "changed by mistake"
    ok(cli("restore", "--repo", str(repo), "--store", store, f"--match={actress.upper()[-10:]}", "--yes"))
    after = dump(store)
    assert after[actress] == before[actress] and after[other] == "a wanted edit"


def test_item_restore_refuses_mirror_mode_and_unknown_keys_and_writes_nothing(damaged):
    store, backup, _repo, _before, movie, _actress, _other = damaged
    state = dump(store)
    mirror = cli("restore", str(backup), "--store", store, "--keys", movie, "--mode", "mirror", "--yes")
    assert mirror.returncode == 2 and "mirror mode" in mirror.stderr and "--keys" in mirror.stderr
    unknown = cli("restore", str(backup), "--store", store, "--keys", f"{movie},movie:nope", "--yes")
    assert unknown.returncode == 2 and "movie:nope" in unknown.stderr and "nothing was written" in unknown.stderr
    empty = cli("restore", str(backup), "--store", store, "--keys", " , ", "--yes")
    assert empty.returncode == 2 and "--keys is empty" in empty.stderr
    assert dump(store) == state
