"""Shared by the real-browser tests: Debian's Chromium, and `streamlit run app.py` on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT = 60_000  # ms, for one step on a busy 2-core machine


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run under CI: {reason}")
    pytest.skip(reason)


def require_browser() -> None:
    """Skip (or fail under CI=true) without /usr/bin/chromium or the playwright package."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("the playwright Python package is not installed (pip install playwright)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(work: Path, env: Mapping[str, str], secrets: tuple[str, ...] = ()) -> Iterator[str]:
    """`streamlit run app.py` in `work` with the shipped config; yields its base URL.

    `env` is added to this process's environment minus every MVDB_* variable. Afterwards the
    server's log must hold no traceback and none of `secrets`.
    """
    (work / ".streamlit").mkdir(exist_ok=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", work / ".streamlit" / "config.toml")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MVDB_")}
    full_env.update(env, PYTHONPATH=str(ROOT))
    port = free_port()
    log_path = work / "streamlit.log"
    log = open(log_path, "wb")  # closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=work, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail("streamlit did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.3)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        text = log_path.read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]
        for secret in secrets:
            assert secret not in text
