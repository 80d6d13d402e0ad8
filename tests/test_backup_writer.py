"""The backup writer: the bytes it writes, a full disk, and the partial files a killed backup leaves."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

import mvdb_core.backup_file as backup_file
from mvdb_core.backup_file import BackupFile, BackupWriter
from mvdb_core.errors import DiskFullError, MvdbError

ROOT = Path(__file__).resolve().parent.parent

# Rows that exercise every way the writer encodes a key or a value: plain keys, keys that need
# JSON escapes, non-ASCII, master data as a JSON string, numbers beyond a double, an empty list.
FIXED_ROWS = [
    ("favorite_fav_1700000000000_x1y2z3", orjson.dumps({"id": "fav_1", "type": "movie", "itemId": "m1"})),
    ("master_actor_1700000000000-a1", orjson.dumps('{"id":"a1","name":"Aoi","jpname":"葵"}')),
    ("movie:\"quoted\"\\key", b'{"n":12345678901234567890123,"d":0.1000000000000000055511151231257827}'),
    ("movie:m1", orjson.dumps({"id": "m1", "titleJp": "夏の終わり", "tags": ["a", "b"], "ok": True, "none": None})),
    ("movie:tab\tkey\u2028", b"[]"),
    ("movie:日本語😀", b'"text"'),
    ("settings", b'{"theme":"dark","itemsPerPage":24}'),
]
# sha256 of the file the writer produced for FIXED_ROWS before the reader was rewritten: the
# format must not change, byte for byte.
FIXED_SHA256 = "b293919824fe6240e6b55bdfb2a3e49feac1766620ae03c138782e050aeb57e1"


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: D102 - the writer's only use of the clock
        return datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=timezone.utc)


def test_the_writer_writes_exactly_the_bytes_it_always_wrote(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_file, "datetime", _FixedClock)
    monkeypatch.setattr(backup_file, "__version__", "0.0.0")
    path = tmp_path / "fixed.json"
    with BackupWriter(path, {"kind": "sqlite", "table": "kv_store_cd38bf14", "path": "/data/x.sqlite3"},
                      ["movies", "settings"]) as w:
        w.add(FIXED_ROWS[:3])
        w.add(FIXED_ROWS[3:])
        meta = w.commit()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == FIXED_SHA256
    assert meta["timestamp"] == "2024-05-01T10:00:00.123Z"
    assert list(BackupFile(path).entries()) == FIXED_ROWS


SOURCE = {"kind": "sqlite", "table": "kv_store_cd38bf14"}
ROW_VALUE = orjson.dumps({"title": "夏の終わり", "cast": ["x" * 900]})


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a 1 MB tmpfs (needs root, as the test machines run)."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _fill(path, nbytes: int) -> None:
    rows = [(f"movie:{i:07d}", ROW_VALUE) for i in range(nbytes // (len(ROW_VALUE) + 30))]
    with BackupWriter(path, SOURCE) as w:
        for start in range(0, len(rows), 100):
            w.add(rows[start : start + 100])
        w.commit()


@pytest.mark.parametrize("size", [3_000_000, 1_100_000])
def test_a_full_disk_leaves_no_file_and_says_where(small_disk, size):
    with pytest.raises(DiskFullError) as info:
        _fill(small_disk / "backup.json", size)
    message = str(info.value)
    assert message.startswith(f"the disk is full: no space left in {small_disk} while writing backup.json")
    assert "nothing was written" in message and "\n" not in message
    assert info.value.exit_code == 1 and isinstance(info.value, MvdbError)
    assert list(small_disk.iterdir()) == []  # neither the backup nor its partial file
    _fill(small_disk / "small.json", 200_000)  # the space is free again
    assert [p.name for p in small_disk.iterdir()] == ["small.json"]


def test_a_disk_that_fills_when_the_backup_is_finished_leaves_no_file(small_disk):
    """The entries fill the 1 MB disk exactly: the end of the list and the metadata (commit) no longer fit."""
    key = "movie:big"
    filler = 2**20 - (8192 + len(b'"kvStoreData":[\n{"key":"') + len(key) + len(b'","value":'))
    with pytest.raises(DiskFullError, match=rf"no space left in {small_disk} while writing full.json; nothing"):
        with BackupWriter(small_disk / "full.json", SOURCE) as w:
            w.add([(key, b'"' + b"x" * (filler - 2) + b'"')])
            w.commit()
    assert list(small_disk.iterdir()) == []


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from mvdb_core.backup_file import BackupWriter
w = BackupWriter(Path(sys.argv[1]), {"kind": "sqlite", "table": "kv_store_cd38bf14"}).__enter__()
w.add([("movie:a", b"1"), ("movie:b", b"2")])
print("writing", flush=True)
time.sleep(120)
"""


def test_partial_files_of_killed_backups_are_removed_when_a_writer_starts(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(tmp_path / "killed.json")],
                              stdout=subprocess.PIPE, env=env)
    sleeper = subprocess.Popen(["sleep", "120"])
    try:
        assert killed.stdout.readline() == b"writing\n"
        [stale] = tmp_path.glob(f".killed.json.{killed.pid}.*.partial")  # PID, then t and a token of 8 hex digits
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        live = [tmp_path / f".mine.json.{os.getpid()}.partial", tmp_path / f".theirs.json.{sleeper.pid}.partial"]
        unrelated = [tmp_path / name for name in (f"killed.json.{killed.pid}.partial", "notes.txt",
                     f".killed.json.{killed.pid}.partial.bak", f".killed.json.x{killed.pid}.partial")]
        for path in live + unrelated:
            path.write_bytes(b"keep")
        other_folder = tmp_path / "elsewhere"
        other_folder.mkdir()
        with BackupWriter(other_folder / "b.json", SOURCE) as w:
            assert w.removed_partials == []
            w.commit()
        assert stale.exists()  # only the writer's own folder is swept
        with BackupWriter(tmp_path / "new.json", SOURCE) as w:
            assert w.removed_partials == [stale]
            w.add([("movie:a", b"1")])
            w.commit()
    finally:
        sleeper.kill()
        sleeper.wait()
        killed.kill()
        killed.wait()
    assert not stale.exists()
    assert all(path.exists() for path in live + unrelated)
    assert BackupFile(tmp_path / "new.json").validate().total == 1
