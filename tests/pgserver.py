"""A throwaway PostgreSQL cluster for tests and benchmarks.

Uses Debian's PostgreSQL binaries; as root the server runs as the `postgres` OS user. Every
role logs in without a password (trust) except `SECURE_USER`, which needs `SECURE_PASSWORD`
(scram-sha-256), so tests can see real authentication failures.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SECURE_USER = "mvdb_secure"
SECURE_PASSWORD = "s3cret-Pa55word"
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def find_pg_bin() -> Path | None:
    for d in PG_BIN_DIRS:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """Start with `start()`, get URLs from `url(db)`, stop with `stop()`."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mvdb-pg-"))
        self.data = self.dir / "data"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> PgServer:
        if self._as_root:
            shutil.chown(self.dir, "postgres")
            os.chmod(self.dir, 0o755)
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )
        hba = self.data / "pg_hba.conf"
        rules = f"host all {SECURE_USER} 127.0.0.1/32 scram-sha-256\n"
        self._run("sh", "-c", f"printf '%s' '{rules}' | cat - {hba} > {hba}.new && mv {hba}.new {hba}")
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        opts += " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        log = str(self.dir / "log")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l", log, "-o", opts, "start")
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {SECURE_USER} LOGIN SUPERUSER PASSWORD '{SECURE_PASSWORD}'")
        return self

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def secure_url(self, db: str = "postgres", password: str = SECURE_PASSWORD) -> str:
        """A URL for the role that needs a password (give a wrong one to see authentication fail)."""
        return f"postgresql://{SECURE_USER}:{password}@127.0.0.1:{self.port}/{db}"

    def create_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
