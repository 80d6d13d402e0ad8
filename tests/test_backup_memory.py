"""Peak memory of `verify`: bounded by the largest value, not by the file or the number of rows.

Each check runs `python -m mvdb_core verify FILE` as a subprocess and reads its peak resident set
size from `os.wait4`. The target is under 200 MB for any file whose largest value is under
50 MB, in either format: the app's 2.0.0 files (pretty-printed, any order) are read as a stream
and sorted with temporary files; one huge value is checked without building its object tree.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from mvdb_core.backup_file import BackupWriter
from mvdb_core.demo import generate

# One worker under pytest-xdist (--dist loadgroup, README): the module's files are made once.
pytestmark = pytest.mark.xdist_group("backup_memory")

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 200
SOURCE = {"kind": "sqlite", "table": "kv_store_cd38bf14"}


# A small launcher runs the command and prints its child's peak RSS: ru_maxrss counts the memory a
# process had before exec, and a child forked straight from this (large) test process would start
# with the test's own size.
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "proc = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(proc.pid, 0)\n"
    "print(usage.ru_maxrss, file=sys.stderr)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def verify_peak_mb(path: Path) -> float:
    """Run `verify` on `path`; assert it passed; return its peak RSS in MB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "mvdb_core", "verify", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    *errors, peak = done.stderr.splitlines()
    assert done.returncode == 0, errors
    return int(peak) / 1024  # KiB on Linux


def _v2(rows: list[tuple[str, bytes]]) -> bytes:
    """A 2.0.0 file as the app writes it: pretty-printed, master values parsed, keys in no order."""
    data = []
    for key, value in rows:
        parsed = orjson.loads(value)
        if key.startswith("master_") and isinstance(parsed, str):
            parsed = orjson.loads(parsed)
        data.append({"key": key, "value": parsed})
    meta = {"version": "2.0.0", "timestamp": "2024-05-01T10:00:00.000Z", "sourceProjectId": "abcdefghijklmnopqrst",
            "totalItems": len(data), "kvStoreKeys": [e["key"] for e in data]}
    return orjson.dumps({"metadata": meta, "kvStoreData": data}, option=orjson.OPT_INDENT_2)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("memory")
    small = list(itertools.islice(generate(200, seed=3), 200))
    # One 48 MB value made of a million small strings (a tree) and one 45 MB string of escaped JSON.
    images = [f"https://img.example/{i:08d}/夏.jpg" for i in range(1_150_000)]
    tree = orjson.dumps({"id": "g1", "galleryImages": images})
    text = orjson.dumps(orjson.dumps({"id": "a1", "names": ["Aoi 葵 \"x\"" for _ in range(2_100_000)]}).decode())
    assert 40e6 < len(tree) < 50e6 and 40e6 < len(text) < 50e6
    made = {}
    for name, big in (("tree", tree), ("text", text)):
        rows = sorted(small + [(f"saved_gallery:{name}", big)])
        made[f"v3-{name}"] = folder / f"v3-{name}.json"
        with BackupWriter(made[f"v3-{name}"], SOURCE) as w:
            w.add(rows)
            w.commit()
        made[f"v2-{name}"] = folder / f"v2-{name}.json"
        made[f"v2-{name}"].write_bytes(_v2(rows[::-1]))
    made["v2-rows"] = folder / "v2-rows.json"
    made["v2-rows"].write_bytes(_v2(list(generate(40_000, seed=5))))
    return made


@pytest.mark.parametrize("name", ["v3-tree", "v3-text", "v2-tree", "v2-text", "v2-rows"])
def test_verify_memory_is_bounded_by_the_largest_value(files, name):
    peak = verify_peak_mb(files[name])
    assert peak < LIMIT_MB, f"{name}: peak RSS {peak:.0f} MB"
