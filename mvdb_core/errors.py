"""Error types that carry their CLI exit code and a one-line, secret-free message."""

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
    """The store could not be read or written (connection, permissions, missing table...)."""

    exit_code = 1


class VerificationError(MvdbError):
    """After a restore or migration the target does not hold what it should."""

    exit_code = 1


class DiskFullError(MvdbError):
    """The disk (or the user's quota) filled up while a file was written; the partial file was removed."""

    exit_code = 1
