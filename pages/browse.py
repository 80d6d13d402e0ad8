"""Browse page: the rows of the connected store, a backup file or a snapshot as a table; find, look, bring back.

Pick a source, a category and a search; the first rows are read (never the whole source) and
shown with typed columns. Selected rows show their full value; rows of a file or a snapshot can
be restored into the connected store through the same plan and confirmation as the Restore page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

import streamlit as st

from mvdb_core.backup_file import BackupFile
from mvdb_core.browse import Page, Query, Scope, Source, display_value, json_text, page, summary
from mvdb_core.categories import CATEGORY_NAMES
from mvdb_core.restore import RestoreOptions
from ui import cache, connections, errors, labels, navigation, repositories, sealed, tables, uploads
from ui.restore_flow import SNAPSHOT_DIR, Flow
from ui.texts import md, number, t

LIMITS = (100, 1000, 5000)
JSON_SHOWN = 20
"""Selected rows whose whole value is shown."""


@dataclass(frozen=True)
class Picked:
    """The source on the page: what to read, and (a file or a snapshot) what a restore of its rows reads."""

    id: str
    """What a read page belongs to (a cached page of another source is never shown)."""
    open: Callable[[], AbstractContextManager[Source]]
    backup: Callable[[], AbstractContextManager[BackupFile]] | None
    rows: int


def render() -> None:
    st.title("🔎 " + t("browse.title"))
    st.caption(t("browse.intro"))
    kinds = ["store", "file"] + (["snapshot"] if repositories.available() else [])
    kind = st.radio(t("browse.source"), kinds, format_func=lambda k: t("browse.source_" + k), horizontal=True,
                    key="browse_source")
    picked = {"store": _store, "file": _file, "snapshot": _snapshot}[kind]()
    if picked is None:
        return

    left, middle, right = st.columns([2, 3, 1])
    category = left.selectbox(t("browse.category"), ["", *CATEGORY_NAMES], key="browse_category",
                              format_func=lambda n: labels.category(n) if n else t("browse.every_category"))
    search = middle.text_input(t("browse.search"), key="browse_search", placeholder=t("browse.search_placeholder"))
    limit = right.selectbox(t("browse.limit"), LIMITS, index=1, key="browse_limit", format_func=number)
    scope = Scope(category or None, None, Query(search.strip()) if search.strip() else None)
    shown = _read(picked, scope, limit)
    if shown is not None:
        _table(picked, shown)


# --------------------------------------------------------------------------------------------
# Sources


def _store() -> Picked:
    conn = connections.current()
    st.caption(t("browse.store_note", store=md(labels.store(conn))))
    if st.button("🔄 " + t("browse.read_again"), key="browse_refresh"):
        st.session_state.pop("browse_page", None)
    return Picked(f"store:{conn.identity()}:{cache.data_version()}", conn.open, None, 0)


def _file() -> Picked | None:
    upload = uploads.uploader(t("browse.upload"), "browse_upload", t("restore.upload_help"))
    if upload is None:
        st.info(t("browse.no_file"), icon="📂")
        return None
    plain = sealed.plain_upload(upload, "browse_key")
    if plain is None:
        return None
    with st.spinner(t("restore.validating")):
        check = cache.validation(plain.path)
    if not check["ok"]:
        errors.show(check["error"], headline=f"**{t('restore.invalid', file=md(upload.name))}**")
        return None
    path = plain.path
    return Picked(f"file:{upload.file_id}", lambda: nullcontext(BackupFile(path)),
                  lambda: nullcontext(BackupFile(path)), check["total"])


def _snapshot() -> Picked | None:
    picked = sealed.pick_snapshot(repositories.available(), "browse_repo")
    if picked is None:
        return None
    _, repo, info, keys = picked

    @contextmanager
    def reader() -> Iterator[BackupFile]:
        from mvdb_core.repository import SnapshotReader

        opened = SnapshotReader(repo, info, keys)
        try:
            yield opened
        finally:
            opened.close()

    return Picked(f"snapshot:{repo.id}:{info.id}:{repositories.fingerprint(keys)}", reader, reader, info.total or 0)


# --------------------------------------------------------------------------------------------
# The table


def _read(picked: Picked, scope: Scope, limit: int) -> Page | None:
    """The first rows of the scope; read once per source, scope and limit, then kept for the reruns.

    A new read starts a new table: its selection is empty (rows picked before stay picked).
    """
    wanted = (picked.id, scope, limit)
    kept = st.session_state.get("browse_page")
    if kept and kept["for"] == wanted:
        return kept["page"]
    st.session_state.pop("browse_table", None)
    st.session_state.pop("browse_ticked", None)
    with st.spinner(t("browse.reading")), errors.guard(stop=False):
        with picked.open() as source:
            found = page(source, scope, limit)
        st.session_state["browse_page"] = {"for": wanted, "page": found}
        return found
    return None


def _table(picked: Picked, shown: Page) -> None:
    if not shown.rows:
        st.info(t("browse.nothing"), icon="🔍")
    else:
        st.caption(t("browse.more" if shown.more else "browse.all", n=len(shown.rows)))
        frame, config = tables.rows_table(shown.frame)
        event = st.dataframe(frame, column_config=config, hide_index=True, on_select="rerun",
                             selection_mode="multi-row", key="browse_table", width="stretch")
        st.download_button("⬇️ " + t("browse.csv"), shown.frame.to_csv(index=False).encode("utf-8"),
                           file_name="mvdb-rows.csv", mime="text/csv", key="browse_csv")
        _pick(picked, {shown.rows[i][0]: shown.rows[i][1] for i in event.selection.rows if i < len(shown.rows)})
    chosen = sorted(st.session_state["browse_picked"]["rows"].items()) if "browse_picked" in st.session_state else []
    if not chosen:
        if shown.rows:
            st.caption(t("browse.select_help"))
        return
    head, button = st.columns([5, 1], vertical_alignment="center")
    head.subheader(t("browse.selected", n=len(chosen)))
    if button.button("✖️ " + t("browse.clear"), key="browse_clear"):
        st.session_state.pop("browse_picked", None)
        st.session_state.pop("browse_table", None)
        st.rerun()
    for key, value in chosen[:JSON_SHOWN]:
        with st.expander(f"{key} · {summary(value)}", expanded=len(chosen) == 1):
            st.json(json_text(display_value(value)))
    if picked.backup is None:
        st.info(t("browse.store_no_restore"), icon="ℹ️")
        return
    _restore(picked, [key for key, _ in chosen])


def _pick(picked: Picked, ticked: dict[str, bytes]) -> None:
    """The rows picked so far, from every table of this source: a search, then another, can pick rows of both.

    The rows ticked in the table on the page follow its boxes; rows picked in an earlier table stay.
    """
    basket = st.session_state.get("browse_picked")
    if not basket or basket["source"] != picked.id:
        basket = {"source": picked.id, "rows": {}}
    for key in st.session_state.get("browse_ticked", set()) - ticked.keys():
        basket["rows"].pop(key, None)
    basket["rows"].update(ticked)
    st.session_state["browse_picked"] = basket
    st.session_state["browse_ticked"] = set(ticked)


def _restore(picked: Picked, keys: list[str]) -> None:
    """The selected rows into the connected store: the Restore page's plan, confirmation and outcome."""
    assert picked.backup is not None
    conn = connections.current()
    st.subheader(t("browse.restore_title", n=len(keys)))
    st.markdown(t("browse.restore_help", store=md(labels.store(conn)), table=md(conn.table, code=True)))
    options = RestoreOptions(mode="merge", keys=frozenset(keys), snapshot_dir=SNAPSHOT_DIR)
    Flow("browse", picked.backup, picked.rows).run(conn, options, (picked.id, conn.identity(), tuple(sorted(keys))))


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
