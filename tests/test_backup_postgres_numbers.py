"""Numbers at the edge of PostgreSQL's numeric range: verify accepts what PostgreSQL stores and refuses the rest."""

from __future__ import annotations

import psycopg
import pytest
from helpers import cli

from mvdb_core.backup_file import BackupFile, BackupWriter
from mvdb_core.errors import InvalidBackupError

JUST_INSIDE = [b"1e131071", b"9" * 131072, b"1e-16383", b"0." + b"0" * 16382 + b"1", b"0.1e-16382"]
JUST_OUTSIDE = [b"1e131072", b"9" * 131073, b"1e-16384", b"0." + b"0" * 16383 + b"1", b"0.1e-16383", b"1e999999999"]


def _backup(path, number: bytes) -> None:
    with BackupWriter(path, {"kind": "sqlite", "table": "kv_store_cd38bf14"}) as w:
        w.add([("movie:a", b'{"id":"a"}'), ("movie:n", b'{"rating":' + number + b"}")])
        w.commit()


def _store(url: str, value: bytes) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS t (key text PRIMARY KEY, value jsonb NOT NULL)")
        conn.execute("INSERT INTO t VALUES ('movie:n', %s::jsonb)", (value.decode(),))
        conn.rollback()


def test_a_number_just_inside_the_range_is_verified_and_stored(pg_url, tmp_path):
    for i, number in enumerate(JUST_INSIDE):
        path = tmp_path / f"in{i}.json"
        _backup(path, number)
        entries = dict(BackupFile(path).entries())
        assert entries["movie:n"] == b'{"rating":' + number + b"}"
        _store(pg_url, entries["movie:n"])
    p = cli("verify", str(tmp_path / "in0.json"))
    assert p.returncode == 0, p.stderr


def test_a_number_just_outside_the_range_is_refused_by_verify_and_by_postgresql(pg_url, tmp_path):
    for i, number in enumerate(JUST_OUTSIDE):
        path = tmp_path / f"out{i}.json"
        _backup(path, number)
        with pytest.raises(InvalidBackupError, match=r"entry 2 \(key 'movie:n'\): the number .* PostgreSQL"):
            BackupFile(path).validate()
        with pytest.raises(psycopg.errors.NumericValueOutOfRange):
            _store(pg_url, b'{"rating":' + number + b"}")
    p = cli("verify", str(tmp_path / "out5.json"))
    assert p.returncode == 2
    assert p.stderr.strip() == (
        "error: invalid backup file: entry 2 (key 'movie:n'): the number 1e999999999 is too large for PostgreSQL "
        "(more than 131072 digits before the decimal point); nothing was written"
    )
