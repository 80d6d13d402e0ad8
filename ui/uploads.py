"""Uploaded backup files: one per session, on disk in a private folder of this server process.

The folder is made by `tempfile.mkdtemp` (mode 0700, a fresh name, so nobody else can own or
pre-create it) on the first upload, files in it are readable by this user only (0600), a file
is removed as soon as the session replaces or forgets its upload, and the whole folder when the
process exits. The upload is shared by the pages that take a backup file (Restore, Statistics):
a page whose own uploader is empty shows the file uploaded earlier, with a button that forgets it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from ui.texts import md, t

PREFIX = "mvdb-uploads-"
SESSION_KEY = "backup_file"
DECODED_KEY = "backup_file_plain"
"""The decoded copy of a compressed or encrypted upload (ui.sealed): {"for": (file id, keys id), "upload"}."""
TYPES = ["json", "gz", "zst", "age"]
"""Plain, gzip, zstd and age files (x.json.zst.age ends in .age); readers go by the content, not the name."""

_lock = threading.Lock()
_folder: Path | None = None


@dataclass(frozen=True)
class Upload:
    file_id: str
    name: str
    """The name the browser sent: an outside value (escape it before Markdown)."""
    path: str
    size: int


def folder() -> Path:
    """This process's private upload folder, made on first use and removed when the process exits."""
    global _folder
    with _lock:
        if _folder is None or not _folder.is_dir():
            _folder = Path(tempfile.mkdtemp(prefix=PREFIX))
            atexit.register(shutil.rmtree, _folder, True)
        return _folder


def cleanup() -> None:
    """Remove the upload folder and everything in it now (what the process does at exit)."""
    global _folder
    with _lock:
        if _folder is not None:
            shutil.rmtree(_folder, ignore_errors=True)
            _folder = None


def save(uploaded: Any) -> Upload:
    """Copy an uploaded file (Streamlit's UploadedFile) into the private folder, readable by this user only."""
    path = folder() / f"{uuid.uuid4().hex}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        uploaded.seek(0)
        shutil.copyfileobj(uploaded, f, 1 << 20)
    return Upload(uploaded.file_id, uploaded.name, str(path), path.stat().st_size)


def discard(upload: Upload | None) -> None:
    if upload is not None:
        Path(upload.path).unlink(missing_ok=True)


def current() -> Upload | None:
    """The session's upload, if its file is still there."""
    upload = st.session_state.get(SESSION_KEY)
    return upload if upload is not None and Path(upload.path).exists() else None


def forget() -> None:
    """Remove the session's upload (its file and its decoded copy too)."""
    discard(st.session_state.pop(SESSION_KEY, None))
    forget_decoded()


def forget_decoded() -> None:
    kept = st.session_state.pop(DECODED_KEY, None)
    if kept:  # decode_file writes into WORK/<layer>/NAME: remove WORK
        shutil.rmtree(Path(kept["upload"].path).parent.parent, ignore_errors=True)


def _changed(key: str) -> None:
    """on_change of an uploader: the admin removed the file from it (an upload is handled by `uploader`)."""
    if st.session_state.get(key) is None:
        forget()


def uploader(label: str, key: str, help: str | None = None) -> Upload | None:
    """A page's backup file uploader, and the backup file the page works on.

    That is the file just uploaded here (kept on disk once, replacing the session's earlier
    upload), else the one uploaded earlier on any page, shown with its name and a button that
    forgets it, so a file never follows the admin around without a way to drop it.
    """
    uploaded = st.file_uploader(label, type=TYPES, key=key, help=help, on_change=_changed, args=(key,))
    kept = current()
    if uploaded is not None:
        if kept is not None and kept.file_id == uploaded.file_id:
            return kept
        upload = save(uploaded)
        discard(st.session_state.get(SESSION_KEY))
        forget_decoded()
        st.session_state[SESSION_KEY] = upload
        return upload
    if kept is None:
        return None
    note, button = st.columns([5, 1], vertical_alignment="center")
    note.caption(t("upload.earlier", file=md(kept.name)))
    button.button("✖️ " + t("upload.forget"), key=f"{key}_forget", on_click=forget, help=t("upload.forget_help"))
    return kept

