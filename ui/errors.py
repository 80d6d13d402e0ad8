"""What went wrong and what to do: map an exception to a headline and a hint (text keys). No Streamlit."""

from __future__ import annotations

from collections.abc import Iterable

from mvdb_core.errors import InvalidBackupError, MvdbError, StoreError, UsageError, VerificationError

_STORE_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("does not exist", "not exist", "missing", "undefined_table", "42p01", "pgrst205"), "hint.table_missing"),
    (("401", "403", "invalid api key", "jwt", "unauthorized", "no api key", "api key"), "hint.bad_key"),
    (("permission denied", "row-level security", "row level security", "rls", "42501"), "hint.permission"),
    (
        ("cannot connect", "could not connect", "connection", "timed out", "timeout", "name or service",
         "name resolution", "unreachable", "refused", "nodename", "dns", "paused"),
        "hint.no_connection",
    ),
)


def classify(exc: BaseException) -> tuple[str, str]:
    """(headline key, hint key) for an exception."""
    if isinstance(exc, InvalidBackupError):
        return "error.invalid_backup", "hint.invalid_backup"
    if isinstance(exc, VerificationError):
        return "error.verification", "hint.verification"
    if isinstance(exc, StoreError):
        text = str(exc).lower()
        for needles, hint in _STORE_HINTS:
            if any(n in text for n in needles):
                return "error.store", hint
        return "error.store", "hint.store"
    if isinstance(exc, UsageError):
        return "error.usage", "hint.usage"
    if isinstance(exc, MvdbError):
        return "error.generic", "hint.generic"
    if isinstance(exc, ImportError):
        return "error.missing_module", "hint.missing_module"
    return "error.unexpected", "hint.unexpected"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every known secret in a message by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
