"""forget --prune, prune, check and drill on real repositories; locks between real processes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from helpers import ROOT, cli, demo_store
from test_repository import edit, keys_of, ok

from mvdb_core.keys import Keys
from mvdb_core.locks import STALE_AFTER, RepositoryLocked, acquire, hold
from mvdb_core.object_store import FolderStore
from mvdb_core.repository import Repository, init_repository, leaf_object
from mvdb_core.stores import open_store

pytestmark = pytest.mark.usefixtures("state_dir")  # writer keys in a scratch folder


@pytest.fixture
def source(tmp_path) -> str:
    return demo_store(tmp_path, 2500, 5)


def leaves(path: Path) -> dict[str, int]:
    return {str(p.relative_to(path)): p.stat().st_size for p in (path / "leaves").rglob("*") if p.is_file()}


def three_snapshots(source: str, repo_path: Path) -> list[str]:
    """Three snapshots a day apart, each after new movies were added: each adds leaves of its own."""
    repo = init_repository(str(repo_path), "none", Keys())
    ids = []
    for day in range(3):
        edit(source, {f"movie:zz{day}-{i:04d}": {"titleEn": f"New {day}-{i}", "pad": "p" * 300} for i in range(200)})
        with open_store(source) as store:
            ids.append(repo.snapshot(store, Keys(), time=f"2026-11-0{day + 1}T03:00:00Z").id)
    return ids


def test_forget_with_prune_deletes_exactly_the_unused_leaves_and_the_kept_snapshot_restores(source, tmp_path):
    repo_path = tmp_path / "repo"
    ids = three_snapshots(source, repo_path)
    repo = Repository(str(repo_path))
    used_by_last = {leaf_object(n) for n in repo.find(ids[-1]).leaves}
    before = leaves(repo_path)
    dry = json.loads(ok(cli("forget", "--repo", str(repo_path), "--keep-last", "1", "--dry-run", "--prune",
                            "--json")).stdout)
    assert [k["id"] for k in dry["keep"]] == [ids[2]] and dry["keep"][0]["reasons"] == ["last snapshot"]
    assert {r["id"] for r in dry["remove"]} == set(ids[:2])
    assert leaves(repo_path) == before  # a dry run changes nothing
    done = json.loads(ok(cli("forget", "--repo", str(repo_path), "--keep-last", "1", "--prune", "--json")).stdout)
    after = leaves(repo_path)
    assert set(after) == used_by_last
    assert done["prune"]["leaves_removed"] == len(before) - len(after) > 0
    assert done["prune"]["bytes_freed"] == sum(before.values()) - sum(after.values())
    assert done["prune"]["bytes_freed"] == dry["prune"]["bytes_freed"]
    assert [s.id for s in Repository(str(repo_path)).snapshots()] == [ids[2]]
    target = f"sqlite://{tmp_path}/target.sqlite3"
    ok(cli("restore", "--repo", str(repo_path), "--store", target, "--yes"))
    assert keys_of(target) == keys_of(source)
    again = json.loads(ok(cli("prune", "--repo", str(repo_path), "--json")).stdout)
    assert again["leaves_removed"] == 0 and again["bytes_freed"] == 0
    refused = cli("forget", "--repo", str(repo_path))
    assert refused.returncode == 2 and "no retention policy" in refused.stderr
    nothing = cli("forget", "--repo", str(repo_path), "--keep-tag", "no-such-tag")
    assert nothing.returncode == 2 and "keeps none of the 1 snapshots" in nothing.stderr
    assert [s.id for s in Repository(str(repo_path)).snapshots()] == [ids[2]]


SLOW_SNAPSHOT = (
    "import sys, time\n"
    "from mvdb_core.object_store import FolderStore\n"
    "put = FolderStore.put\n"
    "def slow(self, name, data):\n"
    "    if name.startswith('snapshots/'):\n"
    "        open(sys.argv[1], 'w').write('leaves written')\n"
    "        time.sleep(float(sys.argv[2]))\n"
    "    put(self, name, data)\n"
    "FolderStore.put = slow\n"
    "from mvdb_core.cli import main\n"
    "sys.exit(main(sys.argv[3:]))\n"
)


def test_prune_never_deletes_a_leaf_that_a_snapshot_being_written_will_name(source, tmp_path):
    repo_path = tmp_path / "repo"
    ids = three_snapshots(source, repo_path)
    ok(cli("forget", "--repo", str(repo_path), "--keep-last", "1"))  # snapshots 1, 2 gone; their leaves stay
    edit(source, {}, deletes=tuple(f"movie:zz2-{i:04d}" for i in range(200)))
    # The store is now what snapshot 2 saw: a new snapshot reuses leaves that only snapshot 2 named.
    unused = set(leaves(repo_path)) - {leaf_object(n) for n in Repository(str(repo_path)).find(ids[2]).leaves}
    marker = tmp_path / "marker"
    writer = subprocess.Popen(
        [sys.executable, "-c", SLOW_SNAPSHOT, str(marker), "4", "snapshot", "--store", source, "--repo",
         str(repo_path), "--json"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert writer.poll() is None and time.monotonic() < deadline, writer.stderr.read() if writer.stderr else ""
        time.sleep(0.02)
    busy = cli("prune", "--repo", str(repo_path))
    assert busy.returncode == 1 and "busy: a snapshot on" in busy.stderr and "pid" in busy.stderr
    also = cli("forget", "--repo", str(repo_path), "--keep-last", "1", "--prune")
    assert also.returncode == 1 and "busy" in also.stderr
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    new = json.loads(out)
    assert unused & {leaf_object(n) for n in Repository(str(repo_path)).find(new["id"]).leaves}
    ok(cli("prune", "--repo", str(repo_path)))  # now it may run: both snapshots keep every leaf they name
    for snap in (ids[2], new["id"]):
        ok(cli("export", "--repo", str(repo_path), "--snapshot", snap, "--out", str(tmp_path / f"{snap}.json")))
    assert ok(cli("check", "--repo", str(repo_path), "--read-data")).returncode == 0


def test_check_names_each_damaged_leaf_and_every_snapshot_that_uses_it(source, identity, tmp_path):
    key_file, public = identity
    repo_path = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo_path), "--recipient", public))
    first = json.loads(ok(cli("snapshot", "--store", source, "--repo", str(repo_path), "--json")).stdout)
    edit(source, {"movie:zz-new": {"titleEn": "x"}})
    second = json.loads(ok(cli("snapshot", "--store", source, "--repo", str(repo_path), "--json")).stdout)
    clean = ok(cli("check", "--repo", str(repo_path)))
    assert "No problems found" in clean.stdout
    repo = Repository(str(repo_path))
    shared = sorted(set(repo.find(first["id"]).leaves) & set(repo.find(second["id"]).leaves))
    flipped, gone = shared[0], shared[1]
    path = repo_path / leaf_object(flipped)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only reading the data finds it
    path.write_bytes(bytes(data))
    (repo_path / leaf_object(gone)).unlink()

    structure = cli("check", "--repo", str(repo_path), "--json")
    assert structure.returncode == 1
    report = json.loads(structure.stdout)
    assert [d["leaf"] for d in report["damaged"]] == [gone]
    assert report["damaged"][0]["problem"] == "missing"
    assert sorted(report["damaged"][0]["snapshots"]) == sorted([first["id"][:8], second["id"][:8]])
    assert f"leaf {gone}: missing; used by snapshot(s)" in structure.stderr

    no_key = cli("check", "--repo", str(repo_path), "--read-data")
    assert no_key.returncode == 2 and "--identity" in no_key.stderr
    full = cli("check", "--repo", str(repo_path), "--read-data", "--identity", key_file, "--json")
    assert full.returncode == 1
    damaged = {d["leaf"]: d for d in json.loads(full.stdout)["damaged"]}
    assert set(damaged) == {gone, flipped}
    assert "does not decrypt" in damaged[flipped]["problem"]
    assert sorted(damaged[flipped]["snapshots"]) == sorted([first["id"][:8], second["id"][:8]])
    subset = json.loads(cli("check", "--repo", str(repo_path), "--read-data-subset", "10", "--identity",
                            key_file, "--json").stdout)
    assert 0 < subset["leaves_read"] < subset["leaves"]
    assert cli("check", "--repo", str(repo_path), "--read-data-subset", "0").returncode == 2


def test_drill_restores_into_a_throwaway_store_and_spots_a_shrunken_live_store(source, identity, tmp_path):
    key_file, public = identity
    repo_path = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo_path), "--recipient", public))
    snap = json.loads(ok(cli("snapshot", "--store", source, "--repo", str(repo_path), "--json")).stdout)
    ran = json.loads(ok(cli("drill", "--repo", str(repo_path), "--identity", key_file, "--json",
                            "--against-store", source)).stdout)
    assert ran["result"] == "ok" and ran["problems"] == [] and ran["warnings"] == []
    assert ran["rows"] == snap["total"] and ran["categories"] == snap["categories"]
    assert ran["snapshot"] == snap["id"] and ran["against_store"] == {} and ran["seconds"] > 0
    movies = [k for k in keys_of(source) if k.startswith("movie:")]
    edit(source, {}, deletes=tuple(movies[: len(movies) * 6 // 10]))
    shrunk = cli("drill", "--repo", str(repo_path), "--identity", key_file, "--against-store", source)
    assert shrunk.returncode == 1
    assert "fewer than snapshot" in shrunk.stderr and "movies" in shrunk.stderr
    assert "Drill of snapshot" in shrunk.stdout and "OK" in shrunk.stdout  # the backup itself is fine
    leaf = Repository(str(repo_path)).find(None).leaves[3]
    (repo_path / leaf_object(leaf)).unlink()
    broken = cli("drill", "--repo", str(repo_path), "--identity", key_file, "--json")
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["result"] == "failed" and leaf[:12] in report["problems"][0]
    assert cli("drill", "--repo", str(repo_path)).returncode == 2  # no identity: a usage error


def test_locks_of_dead_or_silent_runs_are_ignored_and_live_ones_stop_a_conflicting_command(tmp_path):
    objects = FolderStore(str(tmp_path / "repo"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    now = time.time()

    def plant(name: str, kind: str, host: str, pid: int, refreshed: float) -> None:
        objects.put(f"locks/{name}", orjson.dumps({"kind": kind, "host": host, "pid": pid, "time": refreshed,
                                                   "refreshed": refreshed}))

    plant("a-dead", "prune", socket.gethostname(), int(dead.stdout), now)  # this host, process gone
    plant("b-old", "prune", "elsewhere", 1, now - STALE_AFTER - 60)  # another host, silent too long
    with hold(objects, "snapshot"):
        pass
    assert [n for n, _ in objects.list("locks/")] == []  # both removed, and ours released
    plant("c-live", "prune", "elsewhere", 1, now)
    with pytest.raises(RepositoryLocked, match="busy: a prune on elsewhere"):
        acquire(objects, "snapshot")
    assert [n for n, _ in objects.list("locks/")] == ["locks/c-live"]  # the refused lock left nothing
    with hold(objects, "job"):  # jobs only exclude jobs
        with pytest.raises(RepositoryLocked, match="a job run"):
            acquire(objects, "job")
    start = time.monotonic()
    with pytest.raises(RepositoryLocked):
        acquire(objects, "check", wait=0.5)
    assert time.monotonic() - start >= 0.5


RESTIC_TIMES = [  # UTC: a year of sparse days, a week of dailies, an hourly burst, same-day repeats
    "2025-01-15 10:00:00", "2025-03-31 23:59:00", "2025-04-01 00:01:00", "2025-06-30 12:00:00",
    "2025-12-29 08:00:00", "2026-01-04 22:00:00", "2026-02-01 09:00:00", "2026-02-01 18:00:00",
    "2026-10-26 03:17:00", "2026-10-27 03:17:00", "2026-10-28 03:17:00", "2026-10-30 03:17:00",
    "2026-11-01 03:17:00", "2026-11-02 01:00:00", "2026-11-02 02:00:00", "2026-11-02 02:30:00",
    "2026-11-02 05:00:00",
]


@pytest.mark.skipif(not shutil.which("restic") and os.environ.get("CI") != "true", reason="restic is not installed")
def test_forget_dry_run_keeps_exactly_what_restic_forget_keeps(tmp_path):
    """The same snapshot times and policy through the real `restic forget` and through ours."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "f").write_text("x")
    env = {**os.environ, "RESTIC_REPOSITORY": str(tmp_path / "restic"), "RESTIC_PASSWORD": "p", "TZ": "UTC"}

    def restic(*args: str) -> str:
        return subprocess.run(["restic", "--no-cache", *args], env=env, capture_output=True, text=True,
                              check=True).stdout

    restic("init")
    store = demo_store(tmp_path, 40, 1)
    repo = init_repository(str(tmp_path / "repo"), "none", Keys())
    with open_store(store) as s:
        for when in RESTIC_TIMES:
            restic("backup", "--quiet", "--host", "h", "--time", when, str(data))
            repo.snapshot(s, Keys(), time=when.replace(" ", "T") + "Z")
    policies = [
        ["--keep-daily", "3", "--keep-weekly", "2", "--keep-monthly", "4", "--keep-yearly", "2"],
        ["--keep-last", "2", "--keep-hourly", "3"],
        ["--keep-within", "7d", "--keep-monthly", "2"],
        ["--keep-weekly", "10"],
    ]
    for policy in policies:
        theirs = json.loads(restic("forget", "--dry-run", "--json", *policy))[0]
        ours = json.loads(ok(cli("forget", "--repo", str(tmp_path / "repo"), "--dry-run", "--json", *policy)).stdout)

        def minute(text: str) -> str:
            return text.replace("T", " ")[:16]

        kept = {minute(r["snapshot"]["time"]): sorted(r["matches"]) for r in theirs["reasons"]}
        assert {minute(k["time"]): sorted(k["reasons"]) for k in ours["keep"]} == kept, policy
        assert sorted(minute(r["time"]) for r in ours["remove"]) == sorted(
            minute(s["time"]) for s in theirs.get("remove") or []), policy
