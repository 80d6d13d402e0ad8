"""MVDB Backup & Restore: the admin dashboard. Run with `streamlit run app.py`.

This file is the entry: page setup, the login gate, the sidebar and the navigation (ui/navigation.py)
over the pages in pages/. The pages are thin: every read, write and check is a call into mvdb_core.
"""

from __future__ import annotations

import streamlit as st

from ui import jobs, login, navigation, sidebar


def main() -> None:
    st.set_page_config(page_title="MVDB Backup & Restore", page_icon="🛡️", layout="wide")
    sidebar.language_switch()
    access = login.gate()
    if access == "blocked":
        navigation.lock()  # no page is handed to the navigation before the gate lets the visitor in
        return
    page = navigation.choose()
    sidebar.store_panel(logged_in=access == "ok")
    if access == "open":
        login.open_mode_banner()
    jobs.banner(page.url_path)  # backups late or failing: said on every page
    page.run()


if __name__ == "__main__":
    main()
