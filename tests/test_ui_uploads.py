"""Uploads: a private folder per server process, files for this user only, removed when replaced or at exit."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import uploads

ROOT = Path(__file__).resolve().parent.parent


class _Uploaded(io.BytesIO):
    """What Streamlit's file uploader hands over: a binary file with a name and an id."""

    def __init__(self, data: bytes, name: str = "b.json", file_id: str = "f1") -> None:
        super().__init__(data)
        self.name, self.file_id = name, file_id


def test_folder_is_private_and_files_are_the_owners_only():
    folder = uploads.folder()
    assert folder.is_dir() and folder.name.startswith(uploads.PREFIX)
    info = folder.stat()
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid()
    assert uploads.folder() == folder  # one per process
    saved = uploads.save(_Uploaded(b'{"x": 1}', name="../../etc/passwd"))
    path = Path(saved.path)
    assert path.parent == folder and path.read_bytes() == b'{"x": 1}'  # the browser's name is only shown
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    uploads.discard(saved)
    assert not path.exists()


def test_cleanup_removes_the_folder_and_a_new_one_is_made():
    old = uploads.folder()
    uploads.save(_Uploaded(b"{}"))
    uploads.cleanup()
    assert not old.exists()
    new = uploads.folder()
    assert new.is_dir() and new != old


def test_folder_is_removed_when_the_process_exits():
    code = ("from ui import uploads; import io\n"
            "class U(io.BytesIO): name, file_id = 'b.json', 'x'\n"
            "print(uploads.save(U(b'{}')).path)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True)
    path = Path(out.stdout.strip().splitlines()[-1])
    assert path.name.endswith(".json") and path.parent.name.startswith(uploads.PREFIX)
    assert not path.parent.exists()  # atexit


def test_page_modules_draw_nothing_when_imported():
    at = AppTest.from_string("import pages.backup, pages.migration, pages.restore, pages.statistics")
    at.run()
    assert not at.exception
    assert len(at.main.children) == 0 and len(at.sidebar.children) == 0
