"""The sidebar: language, the connected store (never a key), the store picker, demo data, logout."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mvdb_core.demo import DEFAULT_ROWS, generate
from mvdb_core.stores import DEFAULT_TABLE
from ui import common
from ui.common import t
from ui.connection import custom
from ui.i18n import LANGUAGES, Translator, language_for_locale

KINDS = ("sqlite", "postgresql", "supabase")


def language_switch() -> None:
    if "lang" not in st.session_state:
        st.session_state["lang"] = language_for_locale(st.context.locale)
    st.sidebar.selectbox(
        "🌐 " + Translator(st.session_state["lang"])("sidebar.language"),
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        key="lang",
    )


def store_panel(logged_in: bool) -> None:
    sb = st.sidebar
    conn = common.current_connection()
    sb.subheader("🗄️ " + t("sidebar.store"))
    options = common.connections()
    if st.session_state.get("connection_name") not in [c.name for c in options]:
        st.session_state["connection_name"] = conn.name
    labels = {c.name: c.label() for c in options}
    sb.selectbox(t("sidebar.pick"), list(labels), format_func=labels.get, key="connection_name")
    conn = common.current_connection()

    with common.guard(stop=False, where=sb):
        with conn.open() as store:
            desc = store.describe()
        place = desc.get("projectId") or desc.get("host") or desc.get("path") or conn.where()
        place_label = t("sidebar.project") if desc.get("projectId") else (
            t("sidebar.host") if desc.get("host") else t("sidebar.file"))
        lines = [
            f"**{t('sidebar.kind')}:** {t('kind.' + conn.kind)}",
            f"**{place_label}:** `{place}`",
            f"**{t('sidebar.table')}:** `{conn.table}`",
        ]
        try:
            counts = common.store_counts(conn)
        except Exception as exc:  # noqa: BLE001 - shown below, the rest of the sidebar still works
            sb.markdown("  \n".join(lines))
            common.show_error(exc, sb)
            counts = "error"
        if counts != "error":
            if counts is None:
                lines.append(f"**{t('sidebar.rows')}:** —")
                sb.markdown("  \n".join(lines))
                sb.warning(t("sidebar.table_missing"), icon="⚠️")
            else:
                total = sum(counts.values())
                lines.append(f"**{t('sidebar.rows')}:** {common.tr().number(total)}")
                sb.markdown("  \n".join(lines))
                if total == 0:
                    sb.info(t("sidebar.empty"), icon="ℹ️")
            if conn.kind == "sqlite" and (counts is None or sum(counts.values()) == 0):
                _demo_button(conn)
    c1, c2 = sb.columns(2)
    if c1.button("🔄 " + t("sidebar.refresh"), key="refresh", help=t("sidebar.refresh_help")):
        common.data_changed()
        st.rerun()
    if logged_in:
        from ui.login import logout

        c2.button("🚪 " + t("sidebar.logout"), key="logout", on_click=logout)
    _custom_form()


def _demo_button(conn: Any) -> None:
    sb = st.sidebar
    sb.caption(t("sidebar.demo_help", rows=DEFAULT_ROWS))
    if not sb.button("✨ " + t("sidebar.demo"), key="load_demo", type="primary"):
        return
    with sb.status(t("sidebar.demo_running"), expanded=True) as status:
        bar = st.progress(0.0)
        done = 0
        ticker = common.Ticker()

        def step(n: int) -> None:
            nonlocal done
            done += n
            if ticker.due():
                bar.progress(min(done / DEFAULT_ROWS, 1.0), text=common.tr().number(done))

        with conn.open() as store:
            if not store.table_exists():
                store.create_table()
            store.write(list(generate(DEFAULT_ROWS)), [], step)
        status.update(label=t("sidebar.demo_done", rows=done), state="complete")
    common.data_changed()
    st.rerun()


def _connect() -> None:
    """on_click of 'Connect': build the connection, try it, keep it; clear the typed key either way."""
    state = st.session_state
    kind = state.get("custom_kind", "sqlite")
    address = (state.get(f"custom_address_{kind}") or "").strip()
    key = state.get("custom_key") or None
    table = state.get("custom_table") or DEFAULT_TABLE
    state["custom_key"] = ""
    if kind == "postgresql":
        state["custom_address_postgresql"] = ""  # the connection string holds the DB password
    if not address:
        state["custom_error"] = t("connect.need_address")
        return
    if kind == "supabase" and not key:
        state["custom_error"] = t("connect.need_key")
        return
    try:
        conn = custom(kind, address, table, key)
        with conn.open() as store:
            store.table_exists()  # reaches the store: a wrong address or key fails here
    except Exception as exc:  # noqa: BLE001 - reported in the form
        state["custom_error"] = exc
        return
    state.pop("custom_error", None)
    state["custom_connection"] = conn
    state["connection_name"] = conn.name
    common.data_changed()


def _custom_form() -> None:
    sb = st.sidebar
    with sb.expander("🔌 " + t("connect.title"), expanded="custom_error" in st.session_state):
        kind = st.radio(t("connect.kind"), KINDS, format_func={k: t("kind." + k) for k in KINDS}.get,
                        key="custom_kind")
        if kind == "sqlite":
            st.text_input(t("connect.sqlite_path"), value="data/mvdb.sqlite3", key="custom_address_sqlite")
        elif kind == "postgresql":
            st.text_input(t("connect.pg_url"), type="password", key="custom_address_postgresql",
                          placeholder="postgresql://postgres:…@db.<project>.supabase.co:5432/postgres",
                          help=t("connect.pg_help"))
        else:
            st.text_input(t("connect.supabase_url"), key="custom_address_supabase",
                          placeholder="https://<project-id>.supabase.co", help=t("connect.supabase_help"))
            st.text_input(t("connect.key"), type="password", key="custom_key", help=t("connect.key_help"))
        st.text_input(t("connect.table"), value=DEFAULT_TABLE, key="custom_table")
        st.button(t("connect.button"), key="custom_connect", on_click=_connect)
        err = st.session_state.get("custom_error")
        if isinstance(err, BaseException):
            common.show_error(err)
        elif err:
            st.warning(err)
