"""Encryption keys: age recipients (public), age identities (private) and passphrases.

Where they come from: `--recipient`/`--recipients-file`, `--identity FILE`, and the environment
(`MVDB_AGE_IDENTITY`: an identity file's path or the key itself; `MVDB_PASSPHRASE`). A passphrase
is never a command-line value: it comes from the environment or a prompt. Every secret read here
is listed by `Keys.secrets()` so that no message can show it.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from .errors import UsageError

IDENTITY_ENV = "MVDB_AGE_IDENTITY"
PASSPHRASE_ENV = "MVDB_PASSPHRASE"
_SECRET_PREFIX = "AGE-SECRET-KEY-1"


@dataclass
class Keys:
    """What a command was given to encrypt (recipients, passphrase) or decrypt (identities, passphrase)."""

    recipients: list[Any] = field(default_factory=list)
    recipient_texts: list[str] = field(default_factory=list)
    identities: list[Any] = field(default_factory=list)
    passphrase: str | None = None
    _secret_texts: list[str] = field(default_factory=list, repr=False)

    @property
    def encrypts(self) -> bool:
        return bool(self.recipients) or self.passphrase is not None

    def secrets(self) -> list[str]:
        return [s for s in [*self._secret_texts, self.passphrase] if s]


def parse_recipient(text: str) -> Any:
    """An age X25519 recipient (`age1...`) or an SSH public key (`ssh-ed25519 ...`, `ssh-rsa ...`)."""
    text = text.strip()
    try:
        if text.startswith("age1"):
            return pyrage.x25519.Recipient.from_str(text)
        if text.startswith("ssh-"):
            return pyrage.ssh.Recipient.from_str(text)
    except (pyrage.RecipientError, ValueError):
        pass
    shown = text if len(text) <= 80 else text[:77] + "..."
    if text.startswith(_SECRET_PREFIX):
        shown = "an AGE-SECRET-KEY (a private key)"
    raise UsageError(
        f"not an age public key: {shown}; give the recipient's public key (age1... from age-keygen -y, "
        "or an ssh-ed25519/ssh-rsa public key)"
    )


def read_recipients(texts: Iterable[str] = (), files: Iterable[str] = ()) -> tuple[list[Any], list[str]]:
    """Recipients given one by one and in files (one per line; # comments and blank lines skipped)."""
    found = [t.strip() for t in texts]
    for name in files:
        for line in _read_text(name, "recipients file").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                found.append(line)
    return [parse_recipient(t) for t in found], found


def read_identities(files: Iterable[str] = (), environment: bool = True) -> tuple[list[Any], list[str]]:
    """Identities from age identity files, then from MVDB_AGE_IDENTITY; also returns the key texts (secrets)."""
    sources = [(name, _read_text(name, "identity file")) for name in files]
    env = os.environ.get(IDENTITY_ENV, "").strip() if environment else ""
    if env:
        if _SECRET_PREFIX in env:  # the key itself, or a whole identity file's text
            sources.append((IDENTITY_ENV, env))
        else:  # a path; never echoed, in case it is a mistyped key
            sources.append((IDENTITY_ENV, _read_text(env, f"the identity file named by {IDENTITY_ENV}", echo=False)))
    identities, texts = [], []
    for name, content in sources:
        found, keys = identities_from_text(name, content)
        identities.extend(found)
        texts.extend(keys)
    return identities, texts


def identities_from_text(name: str, content: str) -> tuple[list[Any], list[str]]:
    """The identities of one identity file's text (an upload has no path); also the key texts (secrets)."""
    keys = [line.strip() for line in content.splitlines() if line.strip().startswith(_SECRET_PREFIX)]
    if not keys:
        raise UsageError(f"{name} holds no age identity (a line AGE-SECRET-KEY-1...); give the file age-keygen wrote")
    identities = []
    for key in keys:
        try:
            identities.append(pyrage.x25519.Identity.from_str(key))
        except (pyrage.IdentityError, ValueError):
            raise UsageError(f"{name} holds a damaged age identity; give the file age-keygen wrote") from None
    return identities, keys


def passphrase_from_environment(prompt: str | None = None, confirm: bool = False) -> str | None:
    """MVDB_PASSPHRASE, else a prompt on a terminal (asked twice when `confirm`), else None."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if prompt is None or not sys.stdin.isatty():
        return None
    value = getpass.getpass(f"{prompt}: ")
    if confirm and getpass.getpass("Again: ") != value:
        raise UsageError("the two passphrases differ; nothing was written")
    if not value:
        raise UsageError("the passphrase is empty; nothing was written")
    return value


def keys_from_args(args: Any, encrypt: bool = False) -> Keys:
    """Keys from the options every command shares (missing attributes count as not given)."""
    keys = Keys()
    recipients = getattr(args, "recipient", None) or []
    recipient_files = getattr(args, "recipients_file", None) or []
    if encrypt and (recipients or recipient_files):
        keys.recipients, keys.recipient_texts = read_recipients(recipients, recipient_files)
    keys.identities, keys._secret_texts = read_identities(getattr(args, "identity", None) or [])
    if getattr(args, "passphrase", False):
        keys.passphrase = passphrase_from_environment("Passphrase", confirm=encrypt)
        if keys.passphrase is None:
            raise UsageError(f"--passphrase needs the passphrase: set {PASSPHRASE_ENV} or run it in a terminal")
    elif not encrypt:
        keys.passphrase = os.environ.get(PASSPHRASE_ENV) or None
    if encrypt and keys.recipients and keys.passphrase is not None:
        raise UsageError("give recipients or --passphrase, not both (age encrypts a file to one or the other)")
    return keys


def _read_text(name: str, what: str, echo: bool = True) -> str:
    path = Path(name)
    shown = f"{what} {name}" if echo else what
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        if isinstance(exc, IsADirectoryError):
            raise UsageError(f"{shown} is a folder, not a file") from None
        if isinstance(exc, FileNotFoundError) or exc.errno == 36:  # not there, or a name too long to be one
            raise UsageError(f"{shown} was not found") from None
        raise
    except UnicodeDecodeError:
        raise UsageError(f"{shown} is not a text file") from None
