"""Names that ui/login.py imports from here; each lives in the module of its concern.

Texts are in ui.texts, the session's connections in ui.connections (caches: ui.cache, uploads:
ui.uploads, errors: ui.errors, progress: ui.progress, tables: ui.tables, labels: ui.labels).
New code imports from those modules directly.
"""

from ui.connections import read_secrets
from ui.texts import t

__all__ = ["read_secrets", "t"]
