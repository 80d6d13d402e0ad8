"""The backup writer: the bytes it writes, a full disk, and the partial files a killed backup leaves."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import orjson
import pytest

import mvdb_core.backup_file as backup_file
from mvdb_core.backup_file import BackupFile, BackupWriter

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
