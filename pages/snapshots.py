"""Snapshots page: a configured repository's snapshots, one's counts per category, download, restore."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core.categories import BY_NAME, CATEGORY_NAMES, group_totals
from mvdb_core.keys import Keys
from mvdb_core.repository import Repository, SnapshotInfo
from ui import downloads, errors, labels, navigation, repositories, sealed, tables
from ui.progress import Bars
from ui.repositories import RepoConfig
from ui.texts import md, number, t

_DOWNLOAD = "snapshot_download"
"""Session key of the exported file offered for download: {"for": (repository, id, format), "upload"}."""


def render() -> None:
    st.title("🗄️ " + t("snapshots.title"))
    st.caption(t("snapshots.intro"))
    configs = repositories.available()
    if not configs:
        st.info(t("snapshots.none"), icon="🗄️")
        return
    names = [c.name for c in configs]
    chosen = st.selectbox(t("repo.pick"), names, key="snapshots_repo")
    cfg = configs[names.index(chosen)]
    with errors.guard():
        repo = cfg.open()
    st.caption(t("repo.where", where=md(cfg.where(), code=True), encryption=t("repo.enc_" + repo.encryption)))
    keys = sealed.reading_keys(repo, "snapshots")
    with errors.guard():
        listing = list(reversed(repo.snapshots(keys)))  # newest first
    if not listing:
        st.info(t("repo.empty"), icon="📭")
        return
    _table(listing)
    if keys is None:
        st.info(t("snapshots.key_needed"), icon="🔐")
        return
    by_id = {s.id: s for s in listing}
    picked = st.selectbox(t("repo.snapshot"), list(by_id), format_func=lambda i: labels.snapshot(by_id[i]),
                          key="snapshots_pick")
    info = by_id[picked]
    _counts(info)
    _download(cfg, repo, info, keys)
    _restore(cfg, repo, info, keys)


def _table(listing: list[SnapshotInfo]) -> None:
    st.subheader(t("snapshots.list", n=len(listing)))
    df = pd.DataFrame({
        t("snapshots.col_time"): [s.time[:19].replace("T", " ") for s in listing],
        t("snapshots.col_id"): [s.id[:8] for s in listing],
        t("snapshots.col_tags"): [", ".join(s.tags) for s in listing],
        t("col.rows"): [s.total for s in listing],
        t("snapshots.col_added"): [labels.size(s.size) for s in listing],
    })
    tables.table(df)


def _counts(info: SnapshotInfo) -> None:
    """Rows per category of the chosen snapshot (from its sealed metadata: no leaf is read)."""
    categories: dict[str, Any] = info.categories or {}
    st.subheader(t("snapshots.counts", id=info.id[:8]))
    for col, (name, value) in zip(st.columns(4), group_totals(categories).items()):
        col.metric(labels.group(name), number(value), border=True)
    names = [n for n in CATEGORY_NAMES if categories.get(n)]
    tables.table(pd.DataFrame({
        t("col.category"): [labels.category(n) for n in names],
        t("col.group"): [labels.group(BY_NAME[n].group) for n in names],
        t("col.rows"): [categories[n] for n in names],
    }))


def _download(cfg: RepoConfig, repo: Repository, info: SnapshotInfo, keys: Keys) -> None:
    st.subheader(t("snapshots.download_title"))
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    fmt = left.radio(t("snapshots.format"), ["plain", "zstd"], horizontal=True, key="snapshots_format",
                     format_func={"plain": t("snapshots.format_plain"), "zstd": "zstd (.json.zst)"}.get)
    wanted = (cfg.name, info.id, fmt)
    kept = st.session_state.get(_DOWNLOAD)
    if right.button("📦 " + t("snapshots.prepare"), key="snapshots_prepare"):
        st.session_state.pop(_DOWNLOAD, None)
        if kept:
            repositories.discard(kept["upload"])
        kept = None
        with st.status(t("repo.exporting"), expanded=True) as status:
            try:
                upload = repositories.export(cfg, repo, info, keys, None if fmt == "plain" else fmt,
                                             Bars(info.total))
            except Exception as exc:  # explained to the admin, no traceback
                status.update(label=t("snapshots.export_failed"), state="error", expanded=True)
                errors.show(exc)
                return
            status.update(label=t("snapshots.export_done"), state="complete", expanded=False)
        kept = st.session_state[_DOWNLOAD] = {"for": wanted, "upload": upload}
    if kept and kept["for"] != wanted:  # another snapshot or format: that file is not offered any more
        st.session_state.pop(_DOWNLOAD, None)
        repositories.discard(kept["upload"])
    elif kept:
        path = kept["upload"].path
        downloads.button("📁 " + t("snapshots.download"), path, key="snapshots_download",
                         binary=fmt != "plain", primary=True)


def _restore(cfg: RepoConfig, repo: Repository, info: SnapshotInfo, keys: Keys) -> None:
    """Hand the snapshot to the Restore page: the same validation, plan and confirmation as a file."""
    st.subheader(t("snapshots.restore_title"))
    st.caption(t("snapshots.restore_help"))
    if st.button("♻️ " + t("snapshots.restore"), key="snapshots_restore"):
        with st.status(t("repo.exporting"), expanded=True) as status:
            try:
                repositories.hand_to_restore(cfg, repo, info, keys)
            except Exception as exc:  # explained to the admin, no traceback
                status.update(label=t("snapshots.export_failed"), state="error", expanded=True)
                errors.show(exc)
                return
        st.switch_page(navigation.page("restore"))


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
