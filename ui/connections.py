"""The store the admin works on, kept in the session: presets, a custom connection, the current choice.

The Streamlit side of ui.connection (which holds the data classes and knows no Streamlit).
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from ui.connection import Connection, embedded, presets


def read_secrets() -> dict[str, Any]:
    """st.secrets as a dict; {} when there is no secrets file (that is not an error here)."""
    try:
        return dict(st.secrets.to_dict())
    except Exception:  # no secrets.toml, or an unreadable one: run without it
        return {}


def connections() -> list[Connection]:
    """The ready-made connections, then the one the admin typed in (if any)."""
    found = presets(os.environ, read_secrets())
    custom = st.session_state.get("custom_connection")
    if custom is not None:
        found.append(custom)
    return found


def current() -> Connection:
    """The connection the admin picked (the first preset until they pick another)."""
    options = connections()
    name = st.session_state.get("connection_name")
    for c in options:
        if c.name == name:
            return c
    return options[0] if options else embedded()


def all_secrets() -> list[str]:
    """Every key and password of every connection and repository, and the keys given this session.

    What no message on screen may show.
    """
    from ui import repositories  # it reads the secrets through this module

    return [secret for c in connections() for secret in c.secrets()] + repositories.secrets()
