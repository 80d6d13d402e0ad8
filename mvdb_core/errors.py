"""Error types that carry their CLI exit code and a one-line, secret-free message.

Stores raise the most specific type they can tell from a code (PostgreSQL's SQLSTATE,
PostgREST's error code, the HTTP status, the socket): callers and the dashboard choose their
hints by type, never by reading the message.
"""

from __future__ import annotations


class MvdbError(Exception):
    """Base error: the message is shown to the user as is, on one line."""

    exit_code = 1


class UsageError(MvdbError):
    """Bad command-line usage or option value."""

    exit_code = 2


class InvalidBackupError(MvdbError):
    """The backup file is malformed or inconsistent; nothing was written."""

    exit_code = 2
    hint = "use an intact copy of the backup file (nothing was written)"

    def __init__(self, message: str) -> None:
        # Say how to fix it, unless the message already does ("...; save it as UTF-8").
        if "; " not in message and " use " not in message:
            message = f"{message}; {self.hint}"
        super().__init__(message)


class StoreError(MvdbError):
    """The store could not be read or written, for a reason none of the subclasses names."""

    exit_code = 1


class Unreachable(StoreError):
    """Nothing answered at the store's address (DNS, refused, timed out, network down)."""


class AuthenticationError(StoreError):
    """The store answered but refused the credentials (database user or password, API key)."""


class PermissionDenied(StoreError):
    """Logged in, but not allowed to do this (privileges, Row Level Security, read-only file)."""


class MissingTable(StoreError):
    """The KV table is not there; the message holds the SQL that creates it where it helps."""


class MissingFile(StoreError):
    """A SQLite store file that does not exist."""


class StoreBusy(StoreError):
    """Another writer holds the table (a restore in progress): try again when it has finished."""


class PlanChanged(StoreError):
    """The store changed between the plan the admin confirmed and the write: nothing was written."""


class VerificationError(MvdbError):
    """After a restore or migration the target does not hold what it should."""

    exit_code = 1


class DiskFullError(MvdbError):
    """The disk (or the user's quota) filled up while a file was written; the partial file was removed."""

    exit_code = 1
