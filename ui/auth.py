"""Admin login for the dashboard: argon2 password hashes, a growing delay after failures, loopback checks.

No Streamlit and no data logic here, so it is tested with plain pytest. The dashboard stores only
an argon2 hash (secrets `admin_password_hash` or env `MVDB_ADMIN_PASSWORD_HASH`); make one with

    python -m ui.auth hash

which asks for the password twice (never echoed) and prints the hash to paste into the config.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASH_ENV = "MVDB_ADMIN_PASSWORD_HASH"
HASH_SECRET = "admin_password_hash"
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# A hash to verify against when the configured one is unusable, so a bad config costs the same time.
_DUMMY_HASH = _hasher.hash("not the password")


class HashConfigError(ValueError):
    """The configured value is not an argon2 hash (e.g. the plain password was pasted)."""


def hash_password(password: str) -> str:
    """An argon2id hash (with its own random salt) for the config."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"use at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def check_hash(stored: str) -> None:
    """Raise HashConfigError unless `stored` looks like an argon2 hash."""
    if not stored.startswith("$argon2"):
        raise HashConfigError("the configured admin password hash is not an argon2 hash")
    try:
        _hasher.check_needs_rehash(stored)
    except (InvalidHashError, ValueError) as exc:
        raise HashConfigError("the configured admin password hash is damaged") from exc


def verify_password(stored: str, password: str) -> bool:
    """True when `password` matches the argon2 hash. argon2 compares in constant time."""
    try:
        check_hash(stored)
    except HashConfigError:
        _verify_quietly(_DUMMY_HASH, password)
        raise
    return _verify_quietly(stored, password)


def _verify_quietly(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# ----------------------------------------------------------------------------------------------
# Growing delay after failed attempts


@dataclass
class Attempt:
    ok: bool
    locked: bool = False
    wait: float = 0.0
    """Seconds until the next attempt is accepted (after a failure, or while locked)."""


class Throttle:
    """Per client: after the n-th failed attempt in a row, refuse attempts for base * 2**(n-1) seconds (capped).

    Shared by every session of the server process, so opening new browser tabs does not reset it.
    A success resets the client's count.
    """

    def __init__(self, base: float = 1.0, cap: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.base, self.cap, self.clock = base, cap, clock
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def delay(self, failures: int) -> float:
        return 0.0 if failures <= 0 else min(self.base * 2 ** (failures - 1), self.cap)

    def wait_time(self, client: str) -> float:
        with self._lock:
            return max(0.0, self._until.get(client, 0.0) - self.clock())

    def attempt(self, client: str, check: Callable[[], bool]) -> Attempt:
        """Run `check` unless the client is locked out; record the outcome."""
        with self._lock:
            wait = self._until.get(client, 0.0) - self.clock()
            if wait > 0:
                return Attempt(ok=False, locked=True, wait=wait)
        ok = check()
        with self._lock:
            if ok:
                self._failures.pop(client, None)
                self._until.pop(client, None)
                return Attempt(ok=True)
            n = self._failures.get(client, 0) + 1
            self._failures[client] = n
            wait = self.delay(n)
            self._until[client] = self.clock() + wait
            return Attempt(ok=False, wait=wait)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._until.clear()


THROTTLE = Throttle()


# ----------------------------------------------------------------------------------------------
# Where the browser is


_PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "x-real-ip", "forwarded")


def is_loopback_ip(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip.strip().strip("[]").split("%")[0])
    except ValueError:
        return False
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def is_loopback_host(host: str) -> bool:
    """A Host header value (`name[:port]`, `[v6]:port`) that names this machine's loopback."""
    host = host.strip().lower()
    if host.startswith("["):
        name = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        name = host.split(":", 1)[0]
    else:
        name = host
    return name in ("localhost", "localhost.") or name.endswith(".localhost") or is_loopback_ip(name)


def client_is_local(remote_ip: str | None, headers: Mapping[str, str]) -> bool:
    """Whether the request comes from this machine, directly (not through a proxy).

    `remote_ip` is the socket's peer (None when Streamlit reports a local connection). A Host
    header that is not a loopback name, or any proxy header, means the page was reached from
    elsewhere (a reverse proxy on this machine would otherwise look local).
    """
    if remote_ip is not None and not is_loopback_ip(remote_ip):
        return False
    lower = {k.lower(): v for k, v in headers.items()}
    host = lower.get("host")
    if host and not is_loopback_host(host):
        return False
    return not any(h in lower for h in _PROXY_HEADERS)


def server_is_loopback_only(address: str | None) -> bool:
    """Whether `server.address` binds only loopback (empty means every interface)."""
    return bool(address) and (address == "localhost" or is_loopback_ip(address))


# ----------------------------------------------------------------------------------------------
# `python -m ui.auth hash`


def main(argv: list[str] | None = None) -> int:
    import getpass

    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["hash"]:
        print("usage: python -m ui.auth hash    (asks for the admin password, prints its argon2 hash)")
        return 2
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New admin password: ")
        if getpass.getpass("Repeat it: ") != password:
            print("error: the two entries differ; nothing printed", file=sys.stderr)
            return 1
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(hashed)
    print(
        f"\nPut it in .streamlit/secrets.toml as\n  {HASH_SECRET} = \"{hashed}\"\n"
        f"or in the environment as {HASH_ENV}. The password itself is stored nowhere.",
        file=sys.stderr,
    )
    return 0


def configured_hash(
    secrets: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The admin hash from secrets (first) or the environment; None when no password is set."""
    environ = os.environ if environ is None else environ
    value = (secrets or {}).get(HASH_SECRET) or environ.get(HASH_ENV)
    text = str(value).strip() if value else ""
    return text or None


if __name__ == "__main__":
    raise SystemExit(main())
