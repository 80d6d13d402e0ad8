"""Names on screen for the things the core names by code: categories, groups, store kinds, connections.

Plain text: a caller that puts one into Markdown passes it through `ui.texts.md` (a store's
address or a name from secrets.toml is an outside value).
"""

from __future__ import annotations

from mvdb_core.repository import SnapshotInfo
from ui.connection import Connection
from ui.texts import t, tr


def category(name: str) -> str:
    return t("cat." + name)


def group(name: str) -> str:
    return t("group." + name)


def kind(name: str | None) -> str:
    """A store kind (sqlite, postgresql, supabase) in the admin's language."""
    return t("kind." + name) if name else t("kind.unknown")


def or_value(key: str, value: str) -> str:
    """The text for `key`, or `value` itself when there is none (a value from the data, e.g. a favorite type)."""
    text = t(key)
    return value if text == key else text


def connection(conn: Connection) -> str:
    """The connection's name: translated when the dashboard gave it, as written when secrets.toml did."""
    return t(conn.title_key) if conn.title_key else conn.name


def store(conn: Connection) -> str:
    """Name and address of a store, without any secret."""
    return f"{connection(conn)} — {conn.where()}"


def size(n: float) -> str:
    """Bytes for people, in the admin's number format: 812 B, 31.4 KB, 2.3 MB."""
    for unit in ("B", "KB", "MB"):
        if n < 1000:
            return f"{tr().number(int(n))} B" if unit == "B" else f"{tr().decimal(n)} {unit}"
        n /= 1000
    return f"{tr().decimal(n)} GB"


def snapshot(info: SnapshotInfo) -> str:
    """One line for a snapshot picker: time (UTC), short id, rows when known, tags."""
    rows = f" · {t('repo.rows', rows=info.total)}" if info.total is not None else ""
    tags = f" · {', '.join(info.tags)}" if info.tags else ""
    return f"{info.time[:19].replace('T', ' ')} · {info.id[:8]}{rows}{tags}"
