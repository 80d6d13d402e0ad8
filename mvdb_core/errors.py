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


class StoreError(MvdbError):
    """The store could not be read or written (connection, permissions, missing table...)."""

    exit_code = 1


class VerificationError(MvdbError):
    """After a restore or migration the target does not hold what it should."""

    exit_code = 1
