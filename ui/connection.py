"""Which store the dashboard talks to: presets from the environment and secrets, custom connections.

No Streamlit here (ui/connections.py keeps the admin's choice in the session). A Connection
holds its key (and a URL may hold a DB password), so it is never shown as is: `where()` (and
`label()`, built on it) is the only address text the UI displays, and it holds no secret.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mvdb_core.errors import UsageError
from mvdb_core.redaction import redact_url, url_secrets
from mvdb_core.stores import DEFAULT_STORE, DEFAULT_TABLE, KEY_ENV, Store, open_store, store_kind
from mvdb_core.stores.sqlite import sqlite_path

URL_ENV = "MVDB_STORE_URL"
TABLE_ENV = "MVDB_TABLE"
_PROJECT_REF = re.compile(r"[a-z0-9]{20}")


@dataclass(frozen=True)
class Connection:
    name: str
    url: str = field(repr=False)
    table: str = DEFAULT_TABLE
    key: str | None = field(default=None, repr=False)
    source: str = "default"
    """default | env | secrets | custom"""
    title_key: str | None = None
    """The text key of a name the dashboard gave (translated on screen); None for a name from secrets.toml."""

    @property
    def kind(self) -> str | None:
        """sqlite, postgresql or supabase; None for a URL no store understands (opening it says why)."""
        try:
            return store_kind(self.url)
        except UsageError:
            return None

    def identity(self) -> str:
        """A stable, secret-free id for caches: two connections with different keys differ."""
        digest = hashlib.sha256(f"{self.url}\0{self.key or ''}".encode()).hexdigest()[:16]
        return f"{self.kind}|{self.table}|{digest}"

    def where(self) -> str:
        """The address without secrets: a file path, a host, or a Supabase URL."""
        if self.kind == "sqlite":
            try:
                return str(sqlite_path(self.url))
            except UsageError:
                return self.url
        return redact_url(self.url)

    def label(self) -> str:
        return f"{self.name} — {self.where()}"

    def secrets(self) -> list[str]:
        """Values no message may show."""
        return ([self.key] if self.key else []) + url_secrets(self.url)

    def open(self) -> Store:
        return open_store(self.url, self.table, self.key)


def embedded(table: str = DEFAULT_TABLE) -> Connection:
    return Connection("Embedded SQLite", DEFAULT_STORE, table, None, "default", "conn.embedded")


def presets(environ: Mapping[str, str], secrets: Mapping[str, Any] | None) -> list[Connection]:
    """Ready-made connections, the preferred one first: environment, secrets, then the embedded default.

    secrets.toml may hold `store_url` / `supabase_key` / `table` at the top level and any number
    of named tables `[stores.NAME]` with `url`, `key`, `table`.
    """
    secrets = secrets or {}
    out: list[Connection] = []
    env_table = environ.get(TABLE_ENV) or DEFAULT_TABLE
    if environ.get(URL_ENV):
        out.append(Connection("Environment", environ[URL_ENV].strip(), env_table, environ.get(KEY_ENV) or None, "env",
                              "conn.environment"))
    if secrets.get("store_url"):
        out.append(
            Connection(
                "Secrets",
                str(secrets["store_url"]).strip(),
                str(secrets.get("table") or DEFAULT_TABLE),
                str(secrets["supabase_key"]) if secrets.get("supabase_key") else None,
                "secrets",
                "conn.secrets",
            )
        )
    stores = secrets.get("stores")
    if isinstance(stores, Mapping):
        for name, spec in stores.items():
            if isinstance(spec, Mapping) and spec.get("url"):
                out.append(
                    Connection(
                        str(name),
                        str(spec["url"]).strip(),
                        str(spec.get("table") or DEFAULT_TABLE),
                        str(spec["key"]) if spec.get("key") else None,
                        "secrets",
                    )
                )
    if not any(c.url == DEFAULT_STORE for c in out):
        out.append(embedded(env_table))
    # names must be unique (they are what the picker shows)
    seen: dict[str, int] = {}
    unique = []
    for c in out:
        n = seen.get(c.name, 0)
        seen[c.name] = n + 1
        unique.append(c if n == 0 else replace(c, name=f"{c.name} ({n + 1})", title_key=None))
    return unique


def supabase_url(text: str) -> str:
    """A Supabase project URL from what an admin pastes: the URL itself or the bare project id."""
    text = text.strip().rstrip("/")
    if _PROJECT_REF.fullmatch(text):
        return f"https://{text}.supabase.co"
    if text and "://" not in text and "." in text:
        return f"https://{text}"
    return text


def sqlite_url(path: str) -> str:
    path = path.strip()
    return path if path.startswith("sqlite:") else f"sqlite://{path}"


def custom(kind: str, address: str, table: str, key: str | None = None) -> Connection:
    """A connection the admin typed in the sidebar (kind: sqlite | postgresql | supabase)."""
    table = table.strip() or DEFAULT_TABLE
    if kind == "sqlite":
        return Connection("Custom SQLite", sqlite_url(address), table, None, "custom", "conn.custom_sqlite")
    if kind == "postgresql":
        return Connection("Custom PostgreSQL", address.strip(), table, None, "custom", "conn.custom_postgresql")
    return Connection("Custom Supabase", supabase_url(address), table, (key or "").strip() or None, "custom",
                      "conn.custom_supabase")
