"""MVDB Backup & Restore core: complete, exact, streaming backup and safe restore of the MVDB KV store.

No UI code here: the CLI (`python -m mvdb_core`) and the Streamlit pages both call these modules.
"""

__version__ = "0.1.0"
