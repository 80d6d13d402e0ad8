"""Command line: `python -m mvdb_core COMMAND ...`. The dashboard calls the same core functions.

One module per command group (`data`, `restore`, `repository`, `migration`); `output` prints, `common` holds
the store options. Exit codes: 0 success, 1 the operation failed (store error, verification
mismatch), 2 bad usage or an invalid backup file. Errors are one line on stderr, with every
secret masked; --debug adds the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import MvdbError
from ..redaction import redact
from .common import secrets_of

GROUPS = ("data", "restore", "browse", "repository", "maintenance", "jobs", "migration")
COMMANDS = {
    "backup": "data", "demo": "data", "stats": "data", "verify": "data", "restore": "restore", "diff": "restore",
    "find": "browse", "show": "browse", "init": "repository", "snapshot": "repository", "snapshots": "repository",
    "export": "repository", "forget": "maintenance", "prune": "maintenance", "check": "maintenance",
    "drill": "maintenance", "job": "jobs", "migrate": "migration", "migration-script": "migration",
}
"""The module of each command: a command imports only its own (a search starts sooner)."""


def build_parser(groups: Sequence[str] = GROUPS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mvdb_core",
        description="Backup, restore and statistics for the MVDB key-value store.",
    )
    parser.add_argument("--version", action="version", version=f"mvdb-backup {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in groups:
        importlib.import_module(f"{__name__}.{group}").add_parsers(sub)
    return parser


def _groups(argv: Sequence[str]) -> Sequence[str]:
    """The group of the command named in argv; every group for help, a typo or no command."""
    command = next((a for a in argv if not a.startswith("-")), None)
    return (COMMANDS[command],) if command in COMMANDS else GROUPS


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    for arg in argv:
        try:
            arg.encode()
        except UnicodeEncodeError:  # bytes the terminal's encoding could not read (kept as surrogates)
            print(f"error: the argument {arg.encode(errors='replace').decode()!r} is not valid UTF-8 text; "
                  "type it again in UTF-8", file=sys.stderr)
            return 2
    args = build_parser(_groups(argv)).parse_args(argv)
    secrets = secrets_of(args)
    func: Callable[[argparse.Namespace], int] = args.func

    def fail(message: str, code: int) -> int:
        if args.debug:  # the traceback, with the same secrets masked as in the one-line message
            print(redact(traceback.format_exc(), secrets), file=sys.stderr, end="")
        print(f"error: {redact(' '.join(message.split()), secrets)}", file=sys.stderr)
        return code

    try:
        return func(args)
    except MvdbError as exc:
        return fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        print("\ninterrupted: a backup leaves no partial file; a restore can be run again", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:  # a file or folder we were told to use: say which and why
        where = f" {exc.filename}" if exc.filename else ""
        return fail(f"cannot use{where}: {exc.strerror or exc}", 1)
    except Exception as exc:  # the last line of defence: one line, no traceback
        return fail(f"unexpected {type(exc).__name__}: {str(exc)[:300]} (run with --debug for details)", 1)
