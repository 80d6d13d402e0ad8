"""What every command shares: the store options and the secrets no message may print."""

from __future__ import annotations

import argparse
import os

from ..redaction import url_secrets
from ..stores import DEFAULT_STORE, DEFAULT_TABLE, KEY_ENV, Store, open_store

SECRET_OPTIONS = ("key", "from_key", "to_key", "anon_key")
SECRET_ENVIRONMENT = (KEY_ENV, "MVDB_FROM_KEY", "MVDB_TO_KEY")
URL_OPTIONS = ("store", "from_url", "to_url")


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
