"""Snapshot repositories in a folder and in a real S3 server (moto, over HTTP): incremental, exact, safe."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import zstandard
from helpers import ROOT, cli, demo_store, dump
from s3_server import objects

from mvdb_core.backup import backup
from mvdb_core.demo import generate
from mvdb_core.errors import MvdbError
from mvdb_core.jsonvalue import dumps, loads
from mvdb_core.keys import Keys
from mvdb_core.object_store import FolderStore
from mvdb_core.repository import Repository, SnapshotReader, init_repository
from mvdb_core.restore import RestoreOptions, plan_restore, restore
from mvdb_core.stores import open_store

needs_age = pytest.mark.skipif(  # under CI they must run: .ci/run installs them
    not shutil.which("age-keygen") and os.environ.get("CI") != "true", reason="the age programs are not installed"
)


pytestmark = pytest.mark.usefixtures("state_dir")  # writer keys in a scratch folder


@pytest.fixture
def source(tmp_path) -> str:
    return demo_store(tmp_path, 6000, 11)



TITLES = [loads(v)["titleEn"].encode() for k, v in generate(6000, seed=11) if k.startswith("movie:")][:50]


def titles_in(blobs: list[bytes]) -> list[bytes]:
    """The demo titles readable in stored objects, as they are or once decompressed."""
    readable = []
    for blob in blobs:
        readable.append(blob)
        try:
            readable.append(zstandard.ZstdDecompressor().decompress(blob))
        except zstandard.ZstdError:
            pass
    return [t for t in TITLES if any(t in r for r in readable)]


def ok(run: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert run.returncode == 0, run.stderr
    return run


def edit(url: str, changes: dict[str, object], deletes: tuple[str, ...] = ()) -> None:
    with open_store(url) as store:
        store.write([(k, dumps(v)) for k, v in sorted(changes.items())], list(deletes))


def keys_of(url: str) -> list[str]:
    with open_store(url) as store:
        return [k for k, _ in store.iter_rows()]


def test_one_edited_row_rewrites_one_leaf_and_an_unchanged_store_adds_only_the_snapshot(source, tmp_path):
    repo = init_repository(str(tmp_path / "repo"), "none", Keys())
    with open_store(source) as store:
        first = repo.snapshot(store, Keys())
        same = repo.snapshot(store, Keys())
    assert first.new_leaves > 20 and first.reused_leaves == 0
    assert same.new_leaves == 0 and same.reused_leaves == first.new_leaves
    assert same.new_bytes < 0.05 * first.new_bytes  # only the snapshot object itself
    middle = keys_of(source)[3000]
    edit(source, {middle: {"edited": True}})
    with open_store(source) as store:
        edited = repo.snapshot(store, Keys())
    assert edited.new_leaves == 1
    edit(source, {}, deletes=(keys_of(source)[100],))
    with open_store(source) as store:
        deleted = repo.snapshot(store, Keys())
    assert deleted.new_leaves <= 2  # the leaf that held it (and, rarely, its neighbour: a cut moved)
    listing = repo.snapshots(Keys())
    assert [s.id for s in listing] == [first.id, same.id, edited.id, deleted.id]
    assert listing[-1].total == first.total - 1


def test_export_gives_the_sha256_of_a_plain_backup_and_the_file_verifies(source, tmp_path):
    repo = init_repository(str(tmp_path / "repo"), "none", Keys())
    with open_store(source) as store:
        taken = repo.snapshot(store, Keys())
        plain = backup(store, tmp_path / "plain.json").metadata
    assert taken.sha256 == plain["sha256"]
    ok(cli("export", "--repo", str(tmp_path / "repo"), "--snapshot", taken.id[:6], "--out", str(tmp_path / "e.json")))
    assert json.loads((tmp_path / "e.json").read_text())["metadata"]["sha256"] == plain["sha256"]
    assert "sha256 verified" in ok(cli("verify", str(tmp_path / "e.json"))).stdout
    ok(cli("export", "--repo", str(tmp_path / "repo"), "--compress", "zstd", "--out", str(tmp_path)))
    [packed] = tmp_path.glob("mvdb-snapshot-*.json.zst")
    unpacked = zstandard.ZstdDecompressor().decompressobj().decompress(packed.read_bytes())
    assert unpacked == (tmp_path / "e.json").read_bytes()
    stored = [p.read_bytes() for p in (tmp_path / "repo").rglob("*") if p.is_file()]
    assert len(titles_in(stored)) == len(TITLES) == 50  # not encrypted: the titles check can see them


def test_an_empty_store_is_refused_unless_allowed_and_then_exports_to_a_valid_empty_backup(tmp_path):
    url = f"sqlite://{tmp_path}/empty.sqlite3"
    with open_store(url) as store:
        store.create_table()
    ok(cli("init", "--repo", str(tmp_path / "repo"), "--no-encryption"))
    refused = cli("snapshot", "--store", url, "--repo", str(tmp_path / "repo"))
    assert refused.returncode == 1 and "0 rows" in refused.stderr and "--allow-empty" in refused.stderr
    assert not list((tmp_path / "repo").glob("snapshots/*"))  # an empty snapshot would become `latest`
    ok(cli("snapshot", "--store", url, "--repo", str(tmp_path / "repo"), "--allow-empty"))
    ok(cli("export", "--repo", str(tmp_path / "repo"), "--out", str(tmp_path / "e.json")))
    assert "0 entries" in ok(cli("verify", str(tmp_path / "e.json"))).stdout


@needs_age
def test_the_writer_needs_no_private_key_and_the_bucket_holds_no_readable_title(source, identity, tmp_path):
    key_file, public = identity
    repo = str(tmp_path / "repo")
    ok(cli("init", "--repo", repo, "--recipient", public))
    ok(cli("snapshot", "--store", source, "--repo", repo, "--tag", "nightly"))
    listed = json.loads(ok(cli("snapshots", "--repo", repo, "--json")).stdout)
    assert listed[0]["tags"] == ["nightly"] and listed[0]["total"] is None  # counts are sealed
    denied = cli("export", "--repo", repo, "--out", str(tmp_path / "e.json"))
    assert denied.returncode == 2 and "--identity" in denied.stderr
    assert titles_in([p.read_bytes() for p in Path(repo).rglob("*") if p.is_file()]) == []
    for leaf in list(Path(repo, "leaves").rglob("*"))[:3]:  # each leaf is a standard age file around zstd
        if leaf.is_file():
            opened = subprocess.run(f"age -d -i {key_file} {leaf} | zstd -d -q", shell=True, capture_output=True,
                                    check=True)
            assert opened.stdout.startswith(b'{"key":"')
    readable = json.loads(ok(cli("snapshots", "--repo", repo, "--json", "--identity", key_file)).stdout)
    assert readable[0]["total"] == sum(1 for _ in generate(6000, seed=11))


def test_a_missing_or_damaged_leaf_stops_the_restore_before_the_first_write(source, tmp_path):
    repo_path = tmp_path / "repo"
    repo = init_repository(str(repo_path), "none", Keys())
    with open_store(source) as store:
        snap = repo.snapshot(store, Keys())
    target = f"sqlite://{tmp_path}/target.sqlite3"
    with open_store(target) as store:
        store.create_table()
        store.write([("movie_keep", b'{"mine":1}')])
    leaves = sorted(p for p in (repo_path / "leaves").rglob("*") if p.is_file())
    damaged = leaves[len(leaves) // 2]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x40
    damaged.write_bytes(bytes(data))
    run = cli("restore", "--repo", str(repo_path), "--store", target, "--yes", "--mode", "mirror")
    assert run.returncode != 0
    assert f"snapshot {snap.id[:8]}" in run.stderr and damaged.name[:12] in run.stderr and "damaged" in run.stderr
    leaves[0].unlink()
    run = cli("restore", "--repo", str(repo_path), "--store", target, "--yes", "--mode", "mirror")
    assert run.returncode != 0 and "missing" in run.stderr and leaves[0].name[:12] in run.stderr
    assert dump(target) == {"movie_keep": {"mine": 1}}


def test_a_snapshot_killed_after_its_leaves_leaves_no_snapshot_and_the_repository_works(source, tmp_path):
    repo_path = tmp_path / "repo"
    repo = init_repository(str(repo_path), "none", Keys())
    with open_store(source) as store:
        first = repo.snapshot(store, Keys())
    edit(source, {f"movie_new_{i:05d}": {"n": i, "pad": "x" * 400} for i in range(3000)})
    code = (
        "import sys, time\n"
        "from mvdb_core.object_store import FolderStore\n"
        "put = FolderStore.put\n"
        "def slow(self, name, data):\n"
        "    put(self, name, data)\n"
        "    if name.startswith('snapshots/'): time.sleep(60)\n"
        "    else: open(sys.argv[1], 'a').write(name + '\\n')\n"
        "FolderStore.put = slow\n"
        "from mvdb_core.cli import main\n"
        "sys.exit(main(sys.argv[2:]))\n"
    )
    marker = tmp_path / "written.txt"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(marker), "snapshot", "--store", source, "--repo", str(repo_path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while (not marker.exists() or len(marker.read_text().splitlines()) < 5) and time.monotonic() < deadline:
        assert proc.poll() is None, "the snapshot ended before it could be killed"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert [s.id for s in repo.snapshots(Keys())] == [first.id]  # leaves written, no snapshot object
    target = f"sqlite://{tmp_path}/target.sqlite3"
    ok(cli("restore", "--repo", str(repo_path), "--store", target, "--yes"))
    assert len(keys_of(target)) == first.total
    with open_store(source) as store:
        again = repo.snapshot(store, Keys())
    assert again.reused_leaves > first.new_leaves  # the killed run's leaves are used, not written twice


def test_two_snapshots_at_once_both_land_whole(source, tmp_path):
    repo = init_repository(str(tmp_path / "repo"), "none", Keys())
    results, errors = [], []

    def take(tag: str) -> None:
        try:
            with open_store(source) as store:
                results.append(repo.snapshot(store, Keys(), tags=[tag]))
        except MvdbError as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(f"t{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 2
    for result in results:
        out = tmp_path / f"{result.id}.json"
        repo.export(repo.find(result.id[:10]), out, Keys())
        assert json.loads(out.read_text())["metadata"]["sha256"] == result.sha256


def test_snapshot_ids_abbreviate_and_time_orders_the_listing(source, tmp_path):
    repo = str(tmp_path / "repo")
    ok(cli("init", "--repo", repo, "--no-encryption"))
    late = json.loads(ok(cli("snapshot", "--store", source, "--repo", repo, "--time", "2026-02-01T00:00:00Z",
                             "--json")).stdout)
    early = json.loads(ok(cli("snapshot", "--store", source, "--repo", repo, "--time", "2026-01-01T00:00:00+07:00",
                              "--json")).stdout)
    listed = json.loads(ok(cli("snapshots", "--repo", repo, "--json")).stdout)
    assert [s["id"] for s in listed] == [early["id"], late["id"]]
    assert listed[0]["time"] == "2025-12-31T17:00:00.000Z"
    stats = json.loads(ok(cli("stats", "--repo", repo, "--snapshot", early["id"][:7], "--json")).stdout)
    assert stats["total"] == early["total"]
    bad = cli("stats", "--repo", repo, "--snapshot", "zzzz")
    assert bad.returncode == 2 and "no snapshot zzzz" in bad.stderr
    bad_time = cli("snapshot", "--store", source, "--repo", repo, "--time", "yesterday")
    assert bad_time.returncode == 2 and "ISO 8601" in bad_time.stderr
    assert len(json.loads(ok(cli("snapshots", "--repo", repo, "--json")).stdout)) == 2


def test_init_refuses_a_location_that_holds_a_repository_and_commands_name_a_missing_one(tmp_path):
    repo = str(tmp_path / "repo")
    ok(cli("init", "--repo", repo, "--no-encryption"))
    again = cli("init", "--repo", repo, "--no-encryption")
    assert again.returncode == 2 and "already holds a repository" in again.stderr
    missing = cli("snapshots", "--repo", str(tmp_path / "nothing"))
    assert missing.returncode == 1 and "no repository at" in missing.stderr
    choose = cli("init", "--repo", str(tmp_path / "other"))
    assert choose.returncode == 2 and "--no-encryption" in choose.stderr
    assert not (tmp_path / "other").exists()


def test_a_passphrase_repository_reads_and_writes_with_the_passphrase_only(source, tmp_path):
    secret = "a long passphrase for the repository"
    env = {"MVDB_PASSPHRASE": secret}
    repo = str(tmp_path / "repo")
    ok(cli("init", "--repo", repo, "--passphrase", env=env))
    assert secret.encode() not in (tmp_path / "repo" / "config").read_bytes()
    ok(cli("snapshot", "--store", source, "--repo", repo, env=env))
    denied = cli("snapshot", "--store", source, "--repo", repo, env={"MVDB_PASSPHRASE": "wrong"})
    assert denied.returncode == 2 and "does not open" in denied.stderr and "wrong" not in denied.stderr
    target = f"sqlite://{tmp_path}/target.sqlite3"
    ok(cli("restore", "--repo", repo, "--store", target, "--yes", env=env))
    assert dump(target) == dump(source)


@needs_age
def test_s3_init_two_snapshots_restore_the_first_into_empty_postgresql(source, identity, bucket, s3_env, pg_url):
    key_file, public = identity
    repo = f"s3://{bucket}/mvdb"
    ok(cli("init", "--repo", repo, "--recipient", public))
    first = json.loads(ok(cli("snapshot", "--store", source, "--repo", repo, "--json")).stdout)
    before = dump(source)
    changed = keys_of(source)[::2000][:3]
    edit(source, {k: {"changed": i} for i, k in enumerate(changed)})
    second = json.loads(ok(cli("snapshot", "--store", source, "--repo", repo, "--json")).stdout)
    assert second["new_leaves"] == 3  # one leaf per edited row (10 rows of 55,000: bench/repository.py)
    assert second["new_bytes"] < 0.3 * first["new_bytes"]
    shown = ok(cli("snapshots", "--repo", repo)).stdout
    assert first["id"][:8] in shown and second["id"][:8] in shown
    ok(cli("restore", "--repo", repo, "--snapshot", first["id"][:8], "--store", pg_url, "--identity", key_file,
           "--yes"))
    assert dump(pg_url) == before
    restored = json.loads(ok(cli("stats", "--store", pg_url, "--json")).stdout)
    snap = json.loads(ok(cli("stats", "--repo", repo, "--snapshot", first["id"][:8], "--json", "--identity",
                             key_file)).stdout)
    assert restored == snap
    stored = objects(bucket)
    assert any(k.startswith("mvdb/leaves/") for k in stored) and "mvdb/config" in stored
    assert titles_in(list(stored.values())) == []


def test_s3_errors_are_one_line_and_never_show_the_secret_key(source, bucket, s3_env):
    wrong = {"AWS_SECRET_ACCESS_KEY": "definitely-wrong-secret"}
    run = cli("init", "--repo", "s3://no-such-bucket-here/x", "--no-encryption")
    assert run.returncode != 0 and "does not exist" in run.stderr and run.stderr.count("\n") == 1
    run = cli("snapshots", "--repo", f"s3://{bucket}/none", env=wrong)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "definitely-wrong-secret" not in run.stderr + run.stdout
    unreachable = cli("snapshots", "--repo", f"s3://{bucket}/x", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert unreachable.returncode == 1 and "cannot reach the S3 server" in unreachable.stderr


@needs_age
def test_a_config_changed_in_the_bucket_does_not_turn_off_encryption_for_the_writer(source, identity, tmp_path):
    _, public = identity
    repo = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo), "--recipient", public))
    ok(cli("snapshot", "--store", source, "--repo", str(repo)))
    config = json.loads((repo / "config").read_text())
    config["encryption"], config["recipients"] = "none", []
    (repo / "config").write_text(json.dumps(config))
    edit(source, {"movie:zz-new": {"secret": "TOPSECRET-VALUE"}})
    run = cli("snapshot", "--store", source, "--repo", str(repo))
    assert run.returncode == 1 and "encryption settings" in run.stderr
    assert titles_in([p.read_bytes() for p in repo.rglob("*") if p.is_file()]) == []
    assert not any(b"TOPSECRET" in zstandard.ZstdDecompressor().decompress(p.read_bytes())
                   for p in repo.rglob("leaves/*/*") if not p.read_bytes().startswith(b"age-"))


def test_a_passphrase_repository_encrypts_to_its_own_key_whatever_the_config_says(source, tmp_path):
    import pyrage

    env = {"MVDB_PASSPHRASE": "a long passphrase for the repository"}
    repo = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo), "--passphrase", env=env))
    config = json.loads((repo / "config").read_text())
    config["recipients"] = [str(pyrage.x25519.Identity.generate().to_public())]  # someone else's key
    (repo / "config").write_text(json.dumps(config))
    with open_store(source) as store:
        Repository(str(repo)).snapshot(store, Keys(passphrase=env["MVDB_PASSPHRASE"]))
    target = f"sqlite://{tmp_path}/target.sqlite3"
    ok(cli("restore", "--repo", str(repo), "--store", target, "--yes", env=env))
    assert dump(target) == dump(source)


def test_a_bad_name_key_is_refused_and_two_first_snapshots_share_one(source, identity, tmp_path):
    _, public = identity
    repo = str(tmp_path / "repo")
    ok(cli("init", "--repo", repo, "--recipient", public))
    for bad in ("", "00", "zz" * 32):
        run = cli("snapshot", "--store", source, "--repo", repo, env={"MVDB_REPOSITORY_KEY": bad or " "})
        if bad:
            assert run.returncode == 2 and "name key" in run.stderr and bad not in run.stderr.replace("zz", "")
    procs = [subprocess.Popen([sys.executable, "-m", "mvdb_core", "snapshot", "--store", source, "--repo", repo],
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    assert all(p.wait(timeout=120) == 0 for p in procs), [p.stderr.read() for p in procs]
    [key] = (tmp_path / "state" / "repositories").glob("*.key")
    assert len(bytes.fromhex(key.read_text().strip())) == 32


def test_a_damaged_snapshot_object_hides_no_other_and_a_short_leaf_is_written_again(source, tmp_path):
    repo_path = tmp_path / "repo"
    repo = init_repository(str(repo_path), "none", Keys())
    with open_store(source) as store:
        first = repo.snapshot(store, Keys())
        second = repo.snapshot(store, Keys(), tags=["b"])
    (repo_path / "snapshots" / first.id).write_bytes(b"{}")
    (repo_path / "snapshots" / "README").write_text("hi")
    ok(cli("export", "--repo", str(repo_path), "--snapshot", second.id[:8], "--out", str(tmp_path / "e.json")))
    listed = cli("snapshots", "--repo", str(repo_path), "--json")
    assert [s["id"] for s in json.loads(ok(listed).stdout)] == [second.id] and "README" in listed.stderr
    leaf = sorted(p for p in (repo_path / "leaves").rglob("*") if p.is_file())[0]
    leaf.write_bytes(b"")  # a crash before the sync can leave this under the final name
    with open_store(source) as store:
        third = repo.snapshot(store, Keys())
    assert third.new_leaves == 1
    repo.export(repo.find(third.id), tmp_path / "third.json", Keys())


def test_a_time_outside_the_calendar_is_a_usage_error(source, tmp_path):
    ok(cli("init", "--repo", str(tmp_path / "repo"), "--no-encryption"))
    run = cli("snapshot", "--store", source, "--repo", str(tmp_path / "repo"), "--time", "0001-01-01T00:00:00+01:00")
    assert run.returncode == 2 and "years 1-9999" in run.stderr


class _Rows:
    """A store that returns the rows it is given (the snapshot does not check values; a restore must)."""

    table = "kv"

    def __init__(self, rows: list[tuple[str, bytes]], source: dict[str, object]) -> None:
        self.rows, self.source = rows, source

    def iter_pages(self):
        yield from (self.rows[i : i + 1000] for i in range(0, len(self.rows), 1000))

    def describe(self) -> dict[str, object]:
        return self.source

    def empty_reason(self) -> None:
        return None


def test_restore_from_a_repository_reads_each_leaf_once_writes_no_file_and_validates_as_a_file(
    source, tmp_path, monkeypatch
):
    repo = init_repository(str(tmp_path / "repo"), "none", Keys())
    with open_store(source) as store:
        rows, described = list(store.iter_rows()), store.describe()
        snap = repo.snapshot(store, Keys())
    gets: list[str] = []
    get = FolderStore.get
    monkeypatch.setattr(FolderStore, "get", lambda self, name: gets.append(name) or get(self, name))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    target = f"sqlite://{tmp_path}/target.sqlite3"
    with open_store(target) as store:
        store.create_table()
        store.write([("movie_keep", b'{"mine":1}'), (rows[5][0], b'{"old":1}')])
    reader = SnapshotReader(repo, repo.find(snap.id), Keys())
    options = RestoreOptions(mode="mirror", snapshot_dir=tmp_path / "snaps")
    with open_store(target) as store:  # plan, write and verification: three reads of the snapshot
        result = restore(reader, store, options, expected=plan_restore(reader, store, options))
    assert result.verified and result.deleted == 1 and dump(target) == dump(source)
    leaves = [name for name in gets if name.startswith("leaves/")]
    assert len(leaves) == len(set(leaves)) == snap.new_leaves  # once each: later passes read the private cache
    assert list((tmp_path / "tmp").iterdir()) == []  # no exported copy of the data on disk
    reader.close()

    bad = rows[:3000] + [(rows[3000][0], b'{"cut":')] + rows[3001:]
    broken = repo.snapshot(_Rows(bad, described), Keys())
    run = cli("restore", "--repo", str(tmp_path / "repo"), "--snapshot", broken.id, "--store", target, "--yes")
    assert run.returncode == 2 and "invalid backup file" in run.stderr and "entry 3001" in run.stderr
    assert dump(target) == dump(source)  # refused before the first write


def test_first_snapshots_that_race_to_record_the_settings_all_go_on(tmp_path, monkeypatch):
    """The settings file is created whole: a second first snapshot never reads it half-written (and refuses)."""
    for n in range(60):
        monkeypatch.setenv("MVDB_STATE_DIR", str(tmp_path / f"state{n}"))
        repo = init_repository(str(tmp_path / f"repo{n}"), "none", Keys())
        errors: list[Exception] = []

        def pin(repo: Repository = repo, errors: list[Exception] = errors) -> None:
            try:
                repo._pin_settings()
            except MvdbError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=pin) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
