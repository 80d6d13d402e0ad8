"""The sidebar: language, the connected store (never a key), the store picker, demo data, logout."""

from __future__ import annotations

import streamlit as st

from mvdb_core.demo import DEFAULT_ROWS, seed_store
from mvdb_core.stores import DEFAULT_TABLE, KINDS
from ui import cache, connections, errors, labels, login
from ui.connection import Connection, custom
from ui.i18n import LANGUAGES, Translator, language_for_locale
from ui.progress import Bars
from ui.texts import md, number, t


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
    options = {c.name: c for c in connections.connections()}
    if st.session_state.get("connection_name") not in options:
        st.session_state["connection_name"] = connections.current().name
    sb.subheader("🗄️ " + t("sidebar.store"))
    # Only the name: the picker is narrow, and the address is spelled out below.
    names = {name: labels.connection(c) for name, c in options.items()}
    sb.selectbox(t("sidebar.pick"), list(options), format_func=names.get, key="connection_name",
                 label_visibility="collapsed")
    _facts(connections.current())
    c1, c2 = sb.columns(2)
    if c1.button("🔄 " + t("sidebar.refresh"), key="refresh", help=t("sidebar.refresh_help")):
        cache.data_changed()
        st.rerun()
    if logged_in:
        c2.button("🚪 " + t("sidebar.logout"), key="logout", on_click=login.logout)
    _custom_form()


def _facts(conn: Connection) -> None:
    """Kind, place, table and rows of the connected store; a demo data button for an empty embedded one."""
    sb = st.sidebar
    with errors.guard(stop=False, where=sb):
        with conn.open() as store:
            desc = store.describe()
        place = desc.get("projectId") or desc.get("host") or desc.get("path") or conn.where()
        place_label = t("sidebar.project") if desc.get("projectId") else (
            t("sidebar.host") if desc.get("host") else t("sidebar.file"))
        lines = [
            f"**{t('sidebar.kind')}:** {labels.kind(conn.kind)}",
            f"**{place_label}:** {md(place, code=True)}",
            f"**{t('sidebar.table')}:** {md(conn.table, code=True)}",
        ]
        try:
            counts = cache.store_counts(conn)
        except Exception:
            sb.markdown("  \n".join(lines))  # what is known; the error follows
            raise
        lines.append(f"**{t('sidebar.rows')}:** " + ("—" if counts.rows is None else number(counts.total)))
        sb.markdown("  \n".join(lines))
        if counts.rows is None:
            sb.warning(t("sidebar.table_missing"), icon="⚠️")
            if counts.missing:
                sb.caption(md(counts.missing))
        elif counts.total == 0:
            sb.info(t("sidebar.empty"), icon="ℹ️")
        if conn.kind == "sqlite" and counts.total == 0:
            _demo_button(conn)


def _demo_button(conn: Connection) -> None:
    sb = st.sidebar
    sb.caption(t("sidebar.demo_help", rows=DEFAULT_ROWS))
    if not sb.button("✨ " + t("sidebar.demo"), key="load_demo", type="primary"):
        return
    with sb.status(t("sidebar.demo_running"), expanded=True) as status:
        try:
            with conn.open() as store:
                counts = seed_store(store, progress=Bars(DEFAULT_ROWS))
        except Exception as exc:  # explained to the admin, no traceback
            status.update(label=t("sidebar.demo_failed"), state="error")
            errors.show(exc, sb)
            return
        status.update(label=t("sidebar.demo_done", rows=sum(counts.values())), state="complete")
    cache.data_changed()
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
    except Exception as exc:  # reported in the form
        state["custom_error"] = exc
        return
    state.pop("custom_error", None)
    state["custom_connection"] = conn
    state["connection_name"] = conn.name
    cache.data_changed()


def _custom_form() -> None:
    sb = st.sidebar
    with sb.expander("🔌 " + t("connect.title"), expanded="custom_error" in st.session_state):
        kinds = {k: labels.kind(k) for k in KINDS}
        kind = st.radio(t("connect.kind"), KINDS, format_func=kinds.get, key="custom_kind")
        if kind == "sqlite":
            st.text_input(t("connect.sqlite_path"), value="data/mvdb.sqlite3", key="custom_address_sqlite")
            st.caption(t("connect.sqlite_caption"))
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
            errors.show(err)
        elif err:
            st.warning(err)
