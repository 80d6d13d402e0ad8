"""The login gate (Streamlit side of ui.auth): who may see the dashboard."""

from __future__ import annotations

import hashlib
import math
import os

import streamlit as st

from ui import auth
from ui.connections import read_secrets
from ui.texts import t

SETUP_COMMAND = "python -m ui.auth hash"
# The delay after failed sign-ins belongs to the password, not to a session or an address: behind a
# proxy or on loopback every browser looks the same, and a new tab must not start afresh.
THROTTLE_KEY = "admin password"


def _remote_ip() -> str | None:
    """The browser's address; None when Streamlit reports a loopback connection (or has no request)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) else None


def _is_local() -> bool:
    try:
        headers = st.context.headers.to_dict()
    except Exception:  # no request context (tests): nothing says remote
        headers = {}
    return auth.client_is_local(_remote_ip(), headers)


def _fingerprint(stored: str) -> str:
    """Tie a login to the configured hash: a new password logs every session out."""
    return hashlib.sha256(stored.encode()).hexdigest()


def gate() -> str:
    """'ok' (logged in), 'open' (no password, local), or 'blocked' (this run shows no data)."""
    stored = auth.configured_hash(read_secrets(), os.environ)
    if stored is None:
        if _is_local():
            return "open"
        st.title(t("app.title"))
        st.error(t("login.remote_without_password"), icon="🔒")
        st.markdown(t("login.how_to_set", command=SETUP_COMMAND))
        return "blocked"
    try:
        auth.check_hash(stored)
    except auth.HashConfigError:
        st.title(t("app.title"))
        st.error(t("login.bad_hash"), icon="🔒")
        st.markdown(t("login.how_to_set", command=SETUP_COMMAND))
        return "blocked"
    if st.session_state.get("auth") == _fingerprint(stored):
        return "ok"
    _form(stored)
    return "blocked"


def _form(stored: str) -> None:
    left, mid, right = st.columns([1, 2, 1])
    with mid:
        st.title("🛡️ " + t("app.title"))
        st.caption(t("login.intro"))
        with st.form("login", clear_on_submit=True):
            password = st.text_input(t("login.password"), type="password", key="login_password")
            submitted = st.form_submit_button(t("login.submit"), type="primary")
        if not submitted:
            wait = auth.THROTTLE.wait_time(THROTTLE_KEY)
            if wait > 0:
                st.warning(t("login.locked", seconds=_seconds(wait)), icon="⏳")
            return
        if not password:
            st.warning(t("login.empty"))
            return
        result = auth.THROTTLE.attempt(THROTTLE_KEY, lambda: auth.verify_password(stored, password))
        if result.ok:
            st.session_state["auth"] = _fingerprint(stored)
            st.session_state.pop("login_password", None)  # no copy of the password stays in the session
            st.rerun()
        elif result.locked:
            st.error(t("login.locked", seconds=_seconds(result.wait)), icon="⏳")
        else:
            st.error(t("login.wrong", seconds=_seconds(result.wait)), icon="🔒")


def _seconds(wait: float) -> int:
    """Whole seconds to show, rounded up; at least 1 (a refused attempt never reads "wait 0 s")."""
    return max(1, math.ceil(wait))


def logout() -> None:
    st.session_state.pop("auth", None)


def open_mode_banner() -> None:
    """No password configured and the browser is on this machine: say so, and how to set one."""
    with st.expander(t("login.open_banner"), icon="⚠️"):
        st.markdown(t("login.how_to_set", command=SETUP_COMMAND))
        if not auth.server_is_loopback_only(st.get_option("server.address")):
            st.warning(t("login.open_exposed"))
