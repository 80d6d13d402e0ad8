"""ui.auth: argon2 hashes, the growing delay, loopback detection, `python -m ui.auth hash`."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ui import auth

ROOT = Path(__file__).resolve().parent.parent


def test_hash_and_verify():
    h = auth.hash_password("a long enough password")
    assert h.startswith("$argon2id$")
    assert h != auth.hash_password("a long enough password")  # salted
    assert auth.verify_password(h, "a long enough password")
    assert not auth.verify_password(h, "a long enough passwore")
    assert not auth.verify_password(h, "")


def test_short_password_refused():
    with pytest.raises(ValueError, match="at least 8"):
        auth.hash_password("short")


@pytest.mark.parametrize("bad", ["plain-password", "$argon2id$garbage", "$2b$12$bcrypthashlooksdifferent"])
def test_bad_configured_hash(bad):
    with pytest.raises(auth.HashConfigError):
        auth.check_hash(bad)
    with pytest.raises(auth.HashConfigError):
        auth.verify_password(bad, "whatever")


def test_configured_hash_sources():
    assert auth.configured_hash({}, {}) is None
    assert auth.configured_hash({}, {auth.HASH_ENV: "  "}) is None
    assert auth.configured_hash({}, {auth.HASH_ENV: " $argon2id$x "}) == "$argon2id$x"
    assert auth.configured_hash({auth.HASH_SECRET: "$argon2id$s"}, {auth.HASH_ENV: "$argon2id$e"}) == "$argon2id$s"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_grows_and_resets():
    clock = FakeClock()
    th = auth.Throttle(base=1.0, cap=10.0, clock=clock)
    calls = []

    def wrong() -> bool:
        calls.append("wrong")
        return False

    r = th.attempt("ip", wrong)
    assert (r.ok, r.locked, r.wait) == (False, False, 1.0)
    r = th.attempt("ip", lambda: True)  # locked: the password is not even checked
    assert r.locked and not r.ok and r.wait == pytest.approx(1.0)
    assert th.attempt("other-ip", lambda: True).ok  # per client
    clock.now += 1.0
    assert th.attempt("ip", wrong).wait == 2.0
    clock.now += 2.0
    assert th.attempt("ip", wrong).wait == 4.0
    clock.now += 4.0
    assert th.attempt("ip", wrong).wait == 8.0
    clock.now += 8.0
    assert th.attempt("ip", wrong).wait == 10.0  # capped
    assert len(calls) == 5
    clock.now += 10.0
    assert th.wait_time("ip") == 0
    assert th.attempt("ip", lambda: True).ok
    assert th.attempt("ip", wrong).wait == 1.0  # success reset the count


def test_parallel_wrong_attempts_get_one_check_per_open_slot():
    """8 threads at once, each check slow enough to overlap the others: one check runs, 7 are told to wait."""
    clock = FakeClock()
    th = auth.Throttle(base=1.0, cap=10.0, clock=clock)
    checks, results = [], []
    release = threading.Event()
    start = threading.Barrier(8)

    def wrong() -> bool:
        checks.append(threading.get_ident())
        release.wait(timeout=5)  # still "verifying" while the other threads try
        return False

    def worker() -> None:
        start.wait()
        results.append(th.attempt("pw", wrong))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while len(results) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(timeout=10)

    assert len(results) == 8
    assert len(checks) == 1
    checked = [r for r in results if not r.locked]
    assert len(checked) == 1 and not checked[0].ok
    assert sum(r.locked and not r.ok for r in results) == 7
    # the clock stood still: every answer names the real remaining wait, one failure's worth
    assert th.wait_time("pw") == pytest.approx(1.0)
    assert all(r.wait == pytest.approx(1.0) for r in results)

    assert th.attempt("pw", lambda: True).locked  # still inside the delay
    clock.now += 1.0
    assert th.attempt("pw", lambda: True).ok  # a wait, not a lockout
    assert th.attempt("pw", lambda: False).wait == pytest.approx(1.0)  # the success reset the count


def test_attempt_during_a_check_is_refused_even_after_the_delay():
    """A check slower than the delay still keeps its slot: nothing else is verified meanwhile."""
    clock = FakeClock()
    th = auth.Throttle(base=0.1, cap=10.0, clock=clock)
    inner = []

    def slow_right() -> bool:
        clock.now += 5.0  # argon2 on a busy machine, far longer than the 0.1 s delay
        inner.append(th.attempt("pw", lambda: inner.append("checked") or True))
        return True

    assert th.attempt("pw", slow_right).ok
    assert len(inner) == 1 and inner[0].locked and not inner[0].ok and inner[0].wait >= 0
    assert th.wait_time("pw") == 0  # the success cleared it
    assert th.attempt("pw", lambda: True).ok


def test_delay_is_capped_and_always_expires():
    clock = FakeClock()
    th = auth.Throttle(base=1.0, cap=300.0, clock=clock)
    waits = []
    for _ in range(2000):  # far past 2**1024, where a float overflows
        r = th.attempt("pw", lambda: False)
        assert not r.locked
        waits.append(r.wait)
        clock.now += r.wait
    assert max(waits) == 300.0 and waits[-1] == 300.0
    assert th.attempt("pw", lambda: True).ok


def test_a_check_that_raises_counts_as_a_failure_and_frees_the_slot():
    clock = FakeClock()
    th = auth.Throttle(base=1.0, cap=10.0, clock=clock)

    def broken() -> bool:
        raise RuntimeError("verifier failed")

    with pytest.raises(RuntimeError):
        th.attempt("pw", broken)
    assert th.wait_time("pw") == pytest.approx(1.0)
    assert th.attempt("pw", lambda: True).locked
    clock.now += 1.0
    assert th.attempt("pw", lambda: True).ok


def test_first_delay_from_the_environment():
    assert auth.delay_from_env({}) == auth.DEFAULT_DELAY == 1.0
    assert auth.delay_from_env({auth.DELAY_ENV: "0.25"}) == 0.25
    for bad in ("", "soon", "0", "-3", "nan", "inf"):
        assert auth.delay_from_env({auth.DELAY_ENV: bad}) == auth.DEFAULT_DELAY


@pytest.mark.parametrize(
    ("ip", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True),
     ("10.0.0.5", False), ("192.168.1.2", False), ("2001:db8::1", False), ("not an ip", False)],
)
def test_is_loopback_ip(ip, loopback):
    assert auth.is_loopback_ip(ip) is loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("localhost:8501", True), ("127.0.0.1:8501", True), ("[::1]:8501", True),
     ("app.localhost", True), ("example.com", False), ("192.168.1.2:8501", False), ("localhost.evil.com", False)],
)
def test_is_loopback_host(host, loopback):
    assert auth.is_loopback_host(host) is loopback


def test_client_is_local():
    assert auth.client_is_local(None, {})
    assert auth.client_is_local("127.0.0.1", {"Host": "127.0.0.1:8501"})
    assert not auth.client_is_local("192.168.1.20", {"Host": "127.0.0.1:8501"})
    assert not auth.client_is_local(None, {"Host": "dashboard.example.com"})  # a proxy or DNS rebinding
    assert not auth.client_is_local(None, {"host": "localhost:8501", "X-Forwarded-For": "203.0.113.9"})
    assert not auth.client_is_local(None, {"Forwarded": "for=203.0.113.9"})


def test_server_is_loopback_only():
    assert auth.server_is_loopback_only("127.0.0.1")
    assert auth.server_is_loopback_only("localhost")
    assert auth.server_is_loopback_only("::1")
    assert not auth.server_is_loopback_only("0.0.0.0")
    assert not auth.server_is_loopback_only("")
    assert not auth.server_is_loopback_only(None)


def test_hash_command_prints_a_working_hash():
    out = subprocess.run(
        [sys.executable, "-m", "ui.auth", "hash"], input="my admin password\n", capture_output=True, text=True,
        cwd=ROOT, timeout=60, check=True,
    )
    printed = out.stdout.strip().splitlines()[0]
    assert auth.verify_password(printed, "my admin password")
    assert "my admin password" not in out.stdout + out.stderr
    assert "admin_password_hash" in out.stderr


def test_hash_command_usage_and_short_password():
    bad = subprocess.run([sys.executable, "-m", "ui.auth"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "usage" in bad.stdout
    short = subprocess.run([sys.executable, "-m", "ui.auth", "hash"], input="short\n", capture_output=True,
                           text=True, cwd=ROOT, timeout=60)
    assert short.returncode == 1 and "at least 8" in short.stderr and not short.stdout
