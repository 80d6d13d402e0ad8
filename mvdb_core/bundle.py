"""The migration bundle: everything an admin needs to move the MVDB app to a new Supabase project.

`write_bundle()` writes, into a folder or a .zip:

    01_create_table.sql      the KV table, its key index, RLS and the app guide's policy (idempotent)
    02_update_app_config.py  rewrites the app's source to the new project id, URL and anon key
    03_deploy_functions.sh   supabase link / secrets set / functions deploy, each checked
    04_restore_data.sh       the mvdb_core restore or migrate command for the new project
    README.md                the steps in order, in English and Indonesian

The new project's anon key (public by design: the app ships it to browsers) goes into
02_update_app_config.py only. Service keys and database passwords never enter the bundle: the
scripts read them from environment variables.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__
from .backup_file import new_file
from .errors import UsageError
from .stores.api_keys import key_role
from .stores.base import DEFAULT_TABLE, validate_table_name

DEFAULT_FUNCTION_NAME = "make-server-e0516fcf"
"""The app's edge function (supabase/functions/make-server-e0516fcf, per its migration guide)."""

POLICY_NAME = "Enable all operations for authenticated users"
GUIDE_INDEX_NAME = "idx_kv_store_key_prefix"

SQL_NAME = "01_create_table.sql"
CONFIG_NAME = "02_update_app_config.py"
DEPLOY_NAME = "03_deploy_functions.sh"
RESTORE_NAME = "04_restore_data.sh"
README_NAME = "README.md"
FILE_NAMES = (SQL_NAME, CONFIG_NAME, DEPLOY_NAME, RESTORE_NAME, README_NAME)
EXECUTABLE = frozenset({CONFIG_NAME, DEPLOY_NAME, RESTORE_NAME})

_TEMPLATES = Path(__file__).parent / "bundle_templates"
_PROJECT_REF = re.compile(r"[a-z0-9][a-z0-9-]{2,62}")
_API_KEY = re.compile(r"[A-Za-z0-9_.\-]{20,4096}")
_FUNCTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


@dataclass
class Bundle:
    path: Path
    files: tuple[str, ...]
    zipped: bool


# --------------------------------------------------------------------------------------------
# Validation


def validate_project_id(value: str, option: str = "--project-id") -> str:
    """The project reference from a reference or a project URL; `option` names the input in messages."""
    value = (value or "").strip()
    if value.startswith(("http://", "https://")):
        host = value.split("://", 1)[1].split("/", 1)[0]
        value = host.split(".", 1)[0] if host.endswith(".supabase.co") else value
    if not _PROJECT_REF.fullmatch(value):
        raise UsageError(
            f"invalid {option} {value!r}: give the project reference (the <ref> in https://<ref>.supabase.co, "
            "lowercase letters and digits)"
        )
    return value


def validate_anon_key(key: str, option: str = "--anon-key") -> str:
    """The new project's public key: a legacy anon JWT or a `sb_publishable_...` key; never a secret key.

    `option` names the input in messages (a form shows its field's label instead of the CLI flag).
    """
    key = (key or "").strip()
    if key_role(key) == "service_role":
        raise UsageError(
            f"{option} is a secret (service_role) key: the bundle needs the project's anon / publishable key "
            "(Settings -> API); a secret key must never be written into the app's source"
        )
    if key.startswith("eyJ") and (key.count(".") != 2 or key_role(key) is None):
        raise UsageError(
            f"invalid {option}: it starts like a JWT (eyJ...) but is cut short or damaged (a JWT has three parts "
            "separated by dots); copy the whole anon key again from Supabase (Settings -> API)"
        )
    if not _API_KEY.fullmatch(key):
        raise UsageError(
            f"invalid {option}: expected the project's anon key (eyJ...) or publishable key (sb_publishable_...)"
        )
    return key


def validate_function_name(name: str) -> str:
    if not _FUNCTION.fullmatch(name or ""):
        raise UsageError(f"invalid --function-name {name!r}: letters, digits, '-' and '_' only")
    return name


# --------------------------------------------------------------------------------------------
# The SQL


def _quote(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def setup_sql(table: str = DEFAULT_TABLE, project_id: str | None = None) -> str:
    """The table exactly as the app needs it, its key index, RLS on and the guide's policy.

    Idempotent: every statement checks what exists, so it can run any number of times. The policy
    needs Supabase's `auth.role()`; on a database without it a warning is raised instead.
    """
    validate_table_name(table)
    parts = table.split(".")
    name = parts[-1]
    qualified = ".".join(_quote(p) for p in parts)
    schema = _literal(parts[0]) if len(parts) == 2 else "current_schema()"
    index = GUIDE_INDEX_NAME if table == DEFAULT_TABLE else f"idx_{name}_key_prefix"[:63]
    where = f" for Supabase project {project_id}" if project_id else ""
    return f"""-- MVDB key-value table{where} (generated by mvdb-backup {__version__}).
-- Run it in the project's SQL Editor (Dashboard -> SQL Editor -> New query -> paste -> Run).
-- Safe to run again: every statement checks what is already there.

-- 1. The table the app's edge function reads and writes.
CREATE TABLE IF NOT EXISTS {qualified} (
  key TEXT NOT NULL PRIMARY KEY,
  value JSONB NOT NULL
);

-- 2. The btree index on key from the app's migration guide.
CREATE INDEX IF NOT EXISTS {_quote(index)} ON {qualified} USING btree (key);

-- 3. Row Level Security: the anon key reads nothing; the edge function uses the service role.
ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY;

-- 4. The guide's policy, created once (auth.role() is provided by Supabase).
DO $mvdb$
BEGIN
  IF to_regprocedure('auth.role()') IS NULL THEN
    RAISE WARNING 'auth.role() does not exist (not a Supabase database?): policy not created';
  ELSIF NOT EXISTS (
    SELECT 1 FROM pg_policies
    WHERE schemaname = {schema} AND tablename = {_literal(name)} AND policyname = {_literal(POLICY_NAME)}
  ) THEN
    CREATE POLICY {_quote(POLICY_NAME)}
      ON {qualified} FOR ALL USING (auth.role() = 'authenticated');
  END IF;
END
$mvdb$;

-- 5. What is there now: one row with the table, RLS and its number of policies.
SELECT c.relname AS table_name, c.relrowsecurity AS rls_enabled,
       (SELECT count(*) FROM pg_policies p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) AS policies
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass({_literal(qualified)});
"""


# --------------------------------------------------------------------------------------------
# The bundle


def _render(name: str, values: dict[str, str]) -> str:
    text = (_TEMPLATES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.search(r"\{\{[A-Z_]+\}\}", text)
    assert leftover is None, f"unfilled placeholder {leftover.group()} in {name}"
    return text


def render_bundle(
    project_id: str,
    anon_key: str,
    table: str = DEFAULT_TABLE,
    old_project_id: str | None = None,
    function_name: str = DEFAULT_FUNCTION_NAME,
) -> dict[str, str]:
    """The bundle's files as {name: text}; arguments are validated first."""
    project_id = validate_project_id(project_id)
    anon_key = validate_anon_key(anon_key)
    validate_table_name(table)
    function_name = validate_function_name(function_name)
    old = validate_project_id(old_project_id, "--old-project-id") if old_project_id else ""
    if old == project_id:
        raise UsageError("--old-project-id is the same as --project-id")
    common = {
        "PROJECT_ID": project_id,
        "TABLE": table,
        "FUNCTION_NAME": function_name,
        "VERSION": __version__,
    }
    return {
        SQL_NAME: setup_sql(table, project_id),
        CONFIG_NAME: _render("update_app_config.py", {**common, "ANON_KEY": anon_key, "OLD_PROJECT_ID": old}),
        DEPLOY_NAME: _render("deploy_functions.sh", common),
        RESTORE_NAME: _render("restore_data.sh", common),
        README_NAME: _render(
            "README.md",
            {
                **common,
                "DATE": date.today().isoformat(),
                "OLD_PROJECT_TEXT": f"`{old}`" if old else "read from the app's src/utils/supabase/info.tsx",
            },
        ),
    }


def write_bundle(
    out: str | os.PathLike[str],
    project_id: str,
    anon_key: str,
    table: str = DEFAULT_TABLE,
    old_project_id: str | None = None,
    function_name: str = DEFAULT_FUNCTION_NAME,
) -> Bundle:
    """Write the bundle into folder `out`, or into a zip when `out` ends with .zip; never overwrites."""
    files = render_bundle(project_id, anon_key, table, old_project_id, function_name)
    out = Path(out)
    if out.suffix.lower() == ".zip":
        return _write_zip(out, files, validate_project_id(project_id))
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder; choose another --out")
    existing = [n for n in files if (out / n).exists()]
    if existing:
        raise UsageError(f"{out} already holds {', '.join(existing)}; choose another --out (nothing was written)")
    if not out.parent.exists():
        raise UsageError(f"folder {out.parent} does not exist; create it or choose another --out")
    out.mkdir(exist_ok=True)
    for name, text in files.items():
        path = out / name
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
        if name in EXECUTABLE:
            path.chmod(0o755)
    return Bundle(out, tuple(files), zipped=False)


def _zip_into(target: Any, files: dict[str, str], project_id: str) -> tuple[str, ...]:
    folder = f"mvdb-migration-{project_id}"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(*date.today().timetuple()[:3], 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the mode bits below are honoured by unzip
            info.external_attr = ((0o100755 if name in EXECUTABLE else 0o100644) & 0xFFFF) << 16
            zf.writestr(info, text.encode("utf-8"))
    return tuple(f"{folder}/{n}" for n in files)


def bundle_zip_bytes(
    project_id: str,
    anon_key: str,
    table: str = DEFAULT_TABLE,
    old_project_id: str | None = None,
    function_name: str = DEFAULT_FUNCTION_NAME,
) -> tuple[str, bytes]:
    """The bundle as a zip in memory, with a file name for it (for a download button)."""
    files = render_bundle(project_id, anon_key, table, old_project_id, function_name)
    ref = validate_project_id(project_id)
    buf = io.BytesIO()
    _zip_into(buf, files, ref)
    return f"mvdb-migration-{ref}.zip", buf.getvalue()


def _write_zip(out: Path, files: dict[str, str], project_id: str) -> Bundle:
    if out.exists():
        raise UsageError(f"{out} already exists; choose another --out (nothing was written)")
    if not out.parent.exists():
        raise UsageError(f"folder {out.parent} does not exist; create it or choose another --out")
    with new_file(out) as f:
        names = _zip_into(f, files, project_id)
    return Bundle(out, names, zipped=True)
