"""What went wrong and what to do: a headline and a hint chosen by the error's type, never a traceback.

The core raises typed errors (mvdb_core.errors); the hint follows the type alone, so a message
worded differently (another driver, another language) still gets the right advice. The message
itself is shown redacted and escaped: it may quote a file name or a value from outside.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from mvdb_core.errors import (
    AuthenticationError,
    DiskFullError,
    InvalidBackupError,
    MissingFile,
    MissingTable,
    MvdbError,
    PermissionDenied,
    PlanChanged,
    StoreBusy,
    StoreError,
    Unreachable,
    UsageError,
    VerificationError,
)
from mvdb_core.object_store import RepositoryError
from mvdb_core.redaction import redact
from ui.connections import all_secrets
from ui.texts import md, t

log = logging.getLogger("mvdb.dashboard")

# (type, headline key, hint key): the first type the error is an instance of wins, so subclasses come first.
_BY_TYPE: tuple[tuple[type[BaseException], str, str], ...] = (
    (InvalidBackupError, "error.invalid_backup", "hint.invalid_backup"),
    (VerificationError, "error.verification", "hint.verification"),
    (DiskFullError, "error.disk_full", "hint.disk_full"),
    (PlanChanged, "error.plan_changed", "hint.plan_changed"),
    (StoreBusy, "error.store_busy", "hint.busy"),
    (Unreachable, "error.store", "hint.no_connection"),
    (AuthenticationError, "error.store", "hint.bad_login"),
    (PermissionDenied, "error.store", "hint.permission"),
    (MissingTable, "error.store", "hint.table_missing"),
    (MissingFile, "error.store", "hint.missing_file"),
    (StoreError, "error.store", "hint.store"),
    (UsageError, "error.usage", "hint.usage"),
    (RepositoryError, "error.repository", "hint.repository"),
    (MvdbError, "error.generic", "hint.generic"),
    (ImportError, "error.missing_module", "hint.missing_module"),
)
_QUIET = ("error.unexpected", "error.missing_module")
"""Errors whose message means nothing to an admin (and may hold internals): logged, not shown."""


def classify(exc: BaseException) -> tuple[str, str]:
    """(headline key, hint key) for an exception, by its type only."""
    for kind, head, hint in _BY_TYPE:
        if isinstance(exc, kind):
            return head, hint
    return "error.unexpected", "hint.unexpected"


def message(exc: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """The error's message on one line, without any key or password the dashboard knows of."""
    return redact(" ".join(str(exc).split()), [*all_secrets(), *secrets])


def show(exc: BaseException, where: Any = None, secrets: Iterable[str | None] = (),
         headline: str | None = None) -> None:
    """One red box: the headline (or `headline`, already Markdown), the message, what to do."""
    head, hint = classify(exc)
    text = message(exc, secrets)
    title = headline or f"**{t(head)}**"
    if head in _QUIET:
        log.warning("dashboard error %s: %s", type(exc).__name__, text[:300])
        body = f"{title}\n\n{t(hint)}"
    else:
        body = f"{title}\n\n{md(text)}\n\n{t(hint)}"
    (where or st).error(body, icon="🚨")


@contextmanager
def guard(stop: bool = True, where: Any = None, secrets: Iterable[str | None] = ()) -> Iterator[None]:
    """Show any failure inside as a message; then stop the page (or carry on with stop=False)."""
    try:
        yield
    except Exception as exc:  # Streamlit's own stop/rerun are BaseExceptions and pass through
        show(exc, where, secrets)
        if stop:
            st.stop()
