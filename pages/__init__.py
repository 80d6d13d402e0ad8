"""The dashboard's pages: each module defines `render()` and does nothing when imported.

app.py hands them to st.navigation (ui/navigation.py) only after the login gate let the visitor
in. A file here requested on its own (Streamlit runs a `pages/` folder's files by themselves on a
fresh server's first request) therefore draws nothing.
"""
