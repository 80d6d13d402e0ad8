"""Admin login for the dashboard: argon2 password hashes, a growing delay after failures, loopback checks.

No Streamlit and no data logic here, so it is tested with plain pytest. The dashboard stores only
an argon2 hash (secrets `admin_password_hash` or env `MVDB_ADMIN_PASSWORD_HASH`); make one with

    python -m ui.auth hash

which asks for the password twice (never echoed) and prints the hash to paste into the config.

Failed sign-ins slow everyone down, not one browser: behind a proxy or on loopback every client
looks the same, so the delay belongs to the password. The first wait after a failure is
`MVDB_LOGIN_DELAY` seconds (default 1; the browser tests set it); it doubles with every
failure in a row, up to 5 minutes, and a successful sign-in resets it.
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
DELAY_ENV = "MVDB_LOGIN_DELAY"
DEFAULT_DELAY = 1.0
MAX_DELAY = 300.0
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
    """Refused without checking: inside the delay, or another attempt is being checked."""
    wait: float = 0.0
    """Seconds until the next attempt is accepted (after a failure, or while locked)."""


class Throttle:
    """Per key: after the n-th failed attempt in a row, refuse attempts for base * 2**(n-1) seconds (capped).

    The dashboard uses one key for the admin password, shared by every session and client of the
    server process, so neither a new tab nor another address resets it. Deciding that an attempt
    may run and recording it as a failure is one step under the lock: the slot is taken before the
    password is checked, and every attempt made meanwhile is refused (`locked`) without a check.
    The delay runs from that moment; a success clears it and the count. The cap bounds every wait,
    so a correct password always gets in once the wait it was shown has passed.
    """

    def __init__(self, base: float = DEFAULT_DELAY, cap: float = MAX_DELAY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base, self.cap, self.clock = base, cap, clock
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}
        self._checking: set[str] = set()

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return min(self.base * 2.0 ** min(failures - 1, 64), self.cap)  # 2**64 is past any cap, and no overflow

    def wait_time(self, key: str) -> float:
        with self._lock:
            return self._wait(key)

    def _wait(self, key: str) -> float:
        return max(0.0, self._until.get(key, 0.0) - self.clock())

    def attempt(self, key: str, check: Callable[[], bool]) -> Attempt:
        """Run `check` unless the key is inside its delay or busy with another check; record the outcome."""
        with self._lock:
            if key in self._checking or self._wait(key) > 0:
                return Attempt(ok=False, locked=True, wait=self._wait(key))
            # Take the slot as a failure until the check says otherwise.
            n = self._failures.get(key, 0) + 1
            self._failures[key] = n
            self._until[key] = self.clock() + self.delay(n)
            self._checking.add(key)
        ok = False
        try:
            ok = bool(check())
        finally:
            with self._lock:
                self._checking.discard(key)
                if ok:
                    self._failures.pop(key, None)
                    self._until.pop(key, None)
                wait = self._wait(key)
        return Attempt(ok=True) if ok else Attempt(ok=False, wait=wait)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._until.clear()


def delay_from_env(environ: Mapping[str, str] | None = None) -> float:
    """`MVDB_LOGIN_DELAY` in seconds when it is a positive number, else the default."""
    raw = (os.environ if environ is None else environ).get(DELAY_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_DELAY
    return value if 0 < value < float("inf") else DEFAULT_DELAY


THROTTLE = Throttle(base=delay_from_env())


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
