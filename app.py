"""MVDB Backup & Restore: the admin dashboard. Run with `streamlit run app.py`.

This file is the entry: page setup, the login gate, the sidebar and st.navigation over the
pages in pages/. The pages are thin: every read, write and check is a call into mvdb_core.
"""

from __future__ import annotations

import streamlit as st

from ui import login, sidebar
from ui.common import as_main_script, inside_app, t


def main() -> None:
    st.set_page_config(page_title="MVDB Backup & Restore", page_icon="🛡️", layout="wide")
    sidebar.language_switch()
    pages = [
        st.Page("pages/backup.py", title=t("nav.backup"), icon="💾", url_path="backup", default=True),
        st.Page("pages/restore.py", title=t("nav.restore"), icon="♻️", url_path="restore"),
        st.Page("pages/migration.py", title=t("nav.migration"), icon="🚚", url_path="migration"),
        st.Page("pages/statistics.py", title=t("nav.statistics"), icon="📊", url_path="statistics"),
    ]
    access = login.gate()
    page = st.navigation(pages, position="sidebar" if access != "blocked" else "hidden")
    if access == "blocked":
        st.stop()
    sidebar.store_panel(logged_in=access == "ok")
    if access == "open":
        login.open_mode_banner()
    with inside_app():
        page.run()


with as_main_script():
    main()
