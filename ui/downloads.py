"""Download buttons for files the dashboard wrote (backups, safety snapshots)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st


def _reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        return path.read_bytes()

    return read


def button(label: str, path: str | Path, key: str, file_name: str | None = None, primary: bool = False,
           binary: bool = False) -> None:
    """A button that hands `path` to the browser; the bytes are read on click only, not on every rerun.

    `binary` for a compressed or encrypted file (a browser must not treat it as JSON text).
    """
    p = Path(path)
    mime = "application/octet-stream" if binary else "application/json"
    st.download_button(label, data=_reader(p), file_name=file_name or p.name, mime=mime,
                       type="primary" if primary else "secondary", on_click="ignore", key=key)
