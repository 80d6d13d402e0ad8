"""Shared fixtures: a real PostgreSQL per test session, fresh databases, SQLite files."""

from __future__ import annotations

import itertools
import os
import subprocess
import tempfile

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from pgserver import PgServer, find_pg_bin
from rest_fixtures import rest_server  # noqa: F401  (the Supabase Data API test double)
from s3_server import bucket, s3_endpoint, s3_env  # noqa: F401  (a real S3 server process: moto)

# Hypothesis keeps its files (examples, caches) in a scratch folder, not in .hypothesis/ of the checkout.
_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="mvdb-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)
# The machine is shared (CI runs two xdist workers beside other work): how fast examples are made and run
# measures the neighbours, not the code, so neither the per-example deadline nor the too_slow health check
# applies. The examples and their checks are the same.
settings.register_profile("shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared-machine")

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    bin_dir = find_pg_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL binaries not found; under CI the PostgreSQL tests must run")
        pytest.skip("PostgreSQL binaries not found (install postgresql to run these tests)")
    server = PgServer(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database on the session's server."""
    return pg_server.create_db(f"t{next(_db_counter)}")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite://{tmp_path}/store.sqlite3"


@pytest.fixture
def identity(tmp_path) -> tuple[str, str]:
    """(identity file, public key), made by the real age-keygen."""
    path = tmp_path / "key.txt"
    made = subprocess.run(["age-keygen", "-o", str(path)], capture_output=True, text=True, check=True)
    return str(path), made.stderr.split("Public key: ")[1].strip()


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Writer keys and pinned settings go to a scratch folder, never to the home directory."""
    monkeypatch.setenv("MVDB_STATE_DIR", str(tmp_path / "state"))
