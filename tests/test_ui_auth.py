"""ui.auth: argon2 hashes, the growing delay, loopback detection, `python -m ui.auth hash`."""

from __future__ import annotations

import subprocess
import sys
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
