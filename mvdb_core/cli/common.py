"""What every command shares: the store options and the secrets no message may print."""

from __future__ import annotations

import argparse
import os

from ..keys import IDENTITY_ENV, PASSPHRASE_ENV
from ..redaction import url_secrets
from ..stores import DEFAULT_STORE, DEFAULT_TABLE, KEY_ENV, Store, open_store

SECRET_OPTIONS = ("key", "api_key", "from_key", "to_key", "anon_key")
SECRET_ENVIRONMENT = (
    KEY_ENV, "MVDB_FROM_KEY", "MVDB_TO_KEY", IDENTITY_ENV, PASSPHRASE_ENV, "MVDB_REPOSITORY_KEY",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
)
URL_OPTIONS = ("store", "from_url", "to_url", "against_store")


def secrets_of(args: argparse.Namespace) -> list[str]:
    """The secrets given on the command line or in the environment: masked in every message."""
    found = [getattr(args, name, None) for name in SECRET_OPTIONS]
    found += [os.environ.get(name) for name in SECRET_ENVIRONMENT]
    for name in URL_OPTIONS:
        url = getattr(args, name, None)
        if isinstance(url, str):
            found += url_secrets(url)
    return [s for s in found if s]


def store_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument(
        "--store", required=required,
        help="store URL: sqlite:///path.db, postgresql://..., https://<ref>.supabase.co "
        f"(the dashboard's default: {DEFAULT_STORE})",
    )
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"KV table name (default {DEFAULT_TABLE})")
    p.add_argument("--key", help=f"Supabase API key for https:// stores (or set {KEY_ENV})")


def open_from_args(args: argparse.Namespace) -> Store:
    return open_store(args.store, args.table, getattr(args, "key", None))


def encrypt_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--recipient", action="append", metavar="AGE_PUBLIC_KEY",
                   help="encrypt with age to this public key (repeatable)")
    p.add_argument("--recipients-file", action="append", metavar="FILE",
                   help="encrypt to the public keys in FILE, one per line (repeatable)")
    p.add_argument("--passphrase", action="store_true",
                   help=f"encrypt with a passphrase, read from {PASSPHRASE_ENV} or asked for")


def identity_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--identity", action="append", metavar="FILE",
                   help=f"age identity file that decrypts the data (repeatable; or set {IDENTITY_ENV})")
    p.add_argument("--passphrase", action="store_true",
                   help=f"ask for the passphrase of passphrase-encrypted data (or set {PASSPHRASE_ENV})")
