"""Fixtures for the Supabase Data API test double (tests/postgrest_double.py).

`rest_server`: a fresh PostgREST-compatible double over the test's own database (`pg_url`), with
the MVDB table already created. Use `rest_server.url` as the project URL and
`rest_server.service_key` / `rest_server.anon_key` as keys; `set_rls(True)` turns Row Level
Security on, `fail_next(n, status)` injects faults, `pg_url` reaches the same data directly.
Text columns compare and sort with a non-C collation when the server has one (`collation`),
so the client's code-point re-sort is exercised.
"""

from __future__ import annotations

import psycopg
import pytest
from postgrest_double import PostgrestDouble

from mvdb_core.stores.base import DEFAULT_TABLE, create_table_sql

NON_C_COLLATIONS = ("en-US-x-icu", "und-x-icu", "en_US.utf8")


def _pick_collation(pg_url: str) -> str | None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        found = {r[0] for r in conn.execute("SELECT collname FROM pg_collation WHERE collname = ANY(%s)",
                                            (list(NON_C_COLLATIONS),))}
    return next((c for c in NON_C_COLLATIONS if c in found), None)


@pytest.fixture
def rest_server(pg_url):
    """A started PostgrestDouble with `.table` (created, empty) and `.pg_url`; stopped afterwards."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(create_table_sql(DEFAULT_TABLE))
    server = PostgrestDouble(pg_url, collation=_pick_collation(pg_url)).start()
    server.table = DEFAULT_TABLE
    try:
        yield server
    finally:
        server.stop()
