"""The migration bundle: its SQL on a real PostgreSQL, its scripts run for real (no mocks of our code).

03_deploy_functions.sh runs against a stand-in `supabase` / `curl` on PATH (the real CLI needs a
Supabase account); 04_restore_data.sh runs the real `python -m mvdb_core` against PostgreSQL.
"""

from __future__ import annotations

import ast
import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import psycopg
import pytest
from helpers import ROOT, cli, dump, put

from mvdb_core.bundle import (
    DEFAULT_FUNCTION_NAME,
    FILE_NAMES,
    POLICY_NAME,
    bundle_zip_bytes,
    render_bundle,
    setup_sql,
    write_bundle,
)
from mvdb_core.errors import UsageError
from mvdb_core.stores import DEFAULT_TABLE

NEW = "newprojectrefabcdefg"
OLD = "duafhkktqobwwwwtygwn"


def _jwt(role: str, ref: str) -> str:
    import base64

    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'iss': 'supabase', 'ref': ref, 'role': role})}.sig{role}{ref}"


NEW_ANON = _jwt("anon", NEW)
OLD_ANON = _jwt("anon", OLD)
SERVICE_KEY = _jwt("service_role", NEW)
FN = DEFAULT_FUNCTION_NAME


# --------------------------------------------------------------------------------------------
# Generating


def test_folder_and_zip_hold_the_same_files(tmp_path):
    folder = write_bundle(tmp_path / "bundle", NEW, NEW_ANON, old_project_id=OLD)
    assert sorted(p.name for p in folder.path.iterdir()) == sorted(FILE_NAMES)
    for name in FILE_NAMES:
        mode = (folder.path / name).stat().st_mode
        assert bool(mode & stat.S_IXUSR) == name.endswith((".py", ".sh")), name
    z = write_bundle(tmp_path / "bundle.zip", NEW, NEW_ANON, old_project_id=OLD)
    with zipfile.ZipFile(z.path) as zf:
        names = zf.namelist()
        assert names == [f"mvdb-migration-{NEW}/{n}" for n in FILE_NAMES]
        for info in zf.infolist():
            name = info.filename.rsplit("/", 1)[1]
            assert zf.read(info) == (folder.path / name).read_bytes()
            assert (info.external_attr >> 16) & 0o777 == (0o755 if name.endswith((".py", ".sh")) else 0o644)
        zf.extractall(tmp_path / "unzipped")
    name, data = bundle_zip_bytes(NEW, NEW_ANON, old_project_id=OLD)  # the dashboard's download
    assert name == f"mvdb-migration-{NEW}.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == {
            f"mvdb-migration-{NEW}/{n}": (folder.path / n).read_bytes() for n in FILE_NAMES}
    # never overwrites
    with pytest.raises(UsageError, match="already"):
        write_bundle(tmp_path / "bundle", NEW, NEW_ANON)
    with pytest.raises(UsageError, match="already exists"):
        write_bundle(tmp_path / "bundle.zip", NEW, NEW_ANON)


def test_scripts_are_valid_and_python_39_compatible(tmp_path):
    files = render_bundle(NEW, NEW_ANON, old_project_id=OLD)
    ast.parse(files["02_update_app_config.py"], feature_version=(3, 9))
    for name in ("03_deploy_functions.sh", "04_restore_data.sh"):
        path = tmp_path / name
        path.write_text(files[name])
        subprocess.run(["bash", "-n", str(path)], check=True)
        assert "set -euo pipefail" in files[name]
    assert "{{" not in "".join(files.values())
    readme = files["README.md"]
    assert "Langkah-langkah" in readme and "Steps, in order" in readme
    steps = [readme.index(n) for n in ("01_create_table.sql", "02_update_app_config.py",
                                       "03_deploy_functions.sh", "04_restore_data.sh")]
    assert steps == sorted(steps)


def test_validation():
    with pytest.raises(UsageError, match="service_role"):
        render_bundle(NEW, SERVICE_KEY)
    with pytest.raises(UsageError, match="secret"):
        render_bundle(NEW, "sb_secret_abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(UsageError, match="project"):
        render_bundle("Not A Ref!", NEW_ANON)
    with pytest.raises(UsageError, match="same"):
        render_bundle(NEW, NEW_ANON, old_project_id=NEW)
    with pytest.raises(UsageError, match="function"):
        render_bundle(NEW, NEW_ANON, function_name="../evil")
    with pytest.raises(UsageError, match="table"):
        render_bundle(NEW, NEW_ANON, table="kv; drop table x")
    assert render_bundle(f"https://{NEW}.supabase.co", NEW_ANON)["04_restore_data.sh"].count(NEW) >= 1
    assert "sb_publishable_" in render_bundle(NEW, "sb_publishable_abcdefghijklmnopqrstuv")["02_update_app_config.py"]


def test_cli_bundle_holds_no_secret(tmp_path):
    db_password = "Pw-0f-the-db-9x"
    env = {"MVDB_SUPABASE_KEY": SERVICE_KEY, "SUPABASE_DB_PASSWORD": db_password,
           "MVDB_TARGET_DB_URL": f"postgresql://postgres:{db_password}@db.{NEW}.supabase.co/postgres"}
    out = tmp_path / "b"
    r = cli("migration-script", "--project-id", NEW, "--anon-key", NEW_ANON, "--old-project-id", OLD,
            "--out", str(out), env=env)
    assert r.returncode == 0, r.stderr
    assert NEW_ANON not in r.stdout + r.stderr
    r2 = cli("migration-script", "--project-id", NEW, "--anon-key", NEW_ANON, "--out", str(tmp_path / "b.zip"), env=env)
    assert r2.returncode == 0, r2.stderr
    texts = {p.name: p.read_text() for p in out.iterdir()}
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        texts.update({f"zip:{n}": zf.read(n).decode() for n in zf.namelist()})
    for name, text in texts.items():
        assert SERVICE_KEY not in text and db_password not in text, name
        assert (NEW_ANON in text) == name.endswith("02_update_app_config.py"), name
    for name in ("03_deploy_functions.sh", "04_restore_data.sh"):
        assert NEW in texts[name] and DEFAULT_TABLE in texts["04_restore_data.sh"]


def test_cli_usage_errors(tmp_path):
    r = cli("migration-script", "--project-id", NEW, "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "--anon-key" in r.stderr
    r = cli("migration-script", "--project-id", NEW, "--anon-key", SERVICE_KEY, "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "service_role" in r.stderr and SERVICE_KEY not in r.stderr
    assert not (tmp_path / "x").exists()
    r = cli("migration-script", "--project-id", "BAD REF", "--anon-key", NEW_ANON, "--out", str(tmp_path / "x"))
    assert r.returncode == 2
    r = cli("migration-script", "--project-id", NEW, "--anon-key", NEW_ANON, "--out", str(tmp_path / "no" / "x.zip"))
    assert r.returncode == 2 and "does not exist" in r.stderr


# --------------------------------------------------------------------------------------------
# 01_create_table.sql on a real PostgreSQL


def _supabase_like(url: str) -> None:
    """What Supabase has and the guide's policy needs: an auth schema with role(), the roles."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE authenticated NOLOGIN; "
                     "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        conn.execute("CREATE SCHEMA IF NOT EXISTS auth")
        conn.execute("CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS "
                     "$$ SELECT coalesce(current_setting('request.jwt.claim.role', true), 'anon') $$")


def _psql_like_run(url: str, sql: str) -> list:
    """Run the whole file as the SQL editor does (one simple-protocol batch); the last result set."""
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql)
        while cur.nextset():
            pass
        return cur.fetchall()


def _describe(url: str, table: str = DEFAULT_TABLE) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        cols = conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position", (table,)).fetchall()
        pk = conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary", (table,)).fetchall()
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (table,)).fetchall()
        rls = conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass", (table,)).fetchone()[0]
        policies = conn.execute("SELECT policyname, cmd, qual FROM pg_policies WHERE tablename = %s",
                                (table,)).fetchall()
    return {"cols": cols, "pk": pk, "indexes": dict(indexes), "rls": rls, "policies": policies}


def test_sql_runs_twice_and_builds_the_apps_table(pg_url):
    _supabase_like(pg_url)
    sql = render_bundle(NEW, NEW_ANON)["01_create_table.sql"]
    first = _psql_like_run(pg_url, sql)
    second = _psql_like_run(pg_url, sql)
    assert first == second == [(DEFAULT_TABLE, True, 1)]
    d = _describe(pg_url)
    assert d["cols"] == [("key", "text", "NO"), ("value", "jsonb", "NO")]
    assert d["pk"] == [("key",)]
    assert "USING btree (key)" in d["indexes"]["idx_kv_store_key_prefix"]
    assert len(d["indexes"]) == 2  # the primary key's and the guide's, not one more per run
    assert d["rls"] is True
    assert d["policies"] == [(POLICY_NAME, "ALL", "(auth.role() = 'authenticated'::text)")]
    # The policy works as on Supabase: authenticated sees rows, anon does not.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {DEFAULT_TABLE} VALUES ('movie:1', '{{}}')")
        conn.execute(f"GRANT SELECT ON {DEFAULT_TABLE} TO authenticated")
        with conn.transaction():
            conn.execute("SET LOCAL ROLE authenticated")
            conn.execute("SELECT set_config('request.jwt.claim.role', 'authenticated', true)")
            assert conn.execute(f"SELECT count(*) FROM {DEFAULT_TABLE}").fetchone()[0] == 1
        with conn.transaction():
            conn.execute("SET LOCAL ROLE authenticated")
            conn.execute("SELECT set_config('request.jwt.claim.role', 'anon', true)")
            assert conn.execute(f"SELECT count(*) FROM {DEFAULT_TABLE}").fetchone()[0] == 0


def test_sql_with_a_schema_qualified_table_and_without_auth(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA app")
    sql = setup_sql("app.kv_store_other")
    for _ in range(2):
        assert _psql_like_run(pg_url, sql) == [("kv_store_other", True, 0)]  # no auth.role(): warned, no policy
    with psycopg.connect(pg_url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'app'")]
    assert sorted(names) == ["idx_kv_store_other_key_prefix", "kv_store_other_pkey"]


# --------------------------------------------------------------------------------------------
# 02_update_app_config.py against a tree shaped like the app's source

OLD_URL = f"https://{OLD}.supabase.co"

APP_TREE = {
    "src/utils/supabase/info.tsx": (
        "/* AUTOGENERATED FILE - DO NOT EDIT CONTENTS */\n\n"
        f'export const projectId = "{OLD}"\nexport const publicAnonKey = "{OLD_ANON}"'
    ),
    "src/utils/movieApi.ts": (
        "import { projectId, publicAnonKey } from './supabase/info'\n"
        f"const BASE = `https://${{projectId}}.supabase.co/functions/v1/{FN}`\n"
        f"const FALLBACK = '{OLD_URL}/functions/v1/{FN}'\r\n"  # a CRLF line stays CRLF
        "export const movieApi = { base: BASE, fallback: FALLBACK }\n"
    ),
    "src/utils/projectConfigManager.ts": (
        "export const fallback = {\n"
        f'  projectId: "{OLD}",\n  anonKey: "{OLD_ANON}",\n  functionUrl: "{OLD_URL}/functions/v1/{FN}"\n}}\n'
        f'const notTheId = "{OLD}extra"  // a longer token is not the project id\n'
    ),
    f"supabase/functions/{FN}/index.ts": (
        f"// deployed at {OLD_URL}/functions/v1/{FN}\n"
        "const supabase = createClient(Deno.env.get('SUPABASE_URL')!, Deno.env.get('SUPABASE_SERVICE_ROLE_KEY')!)\n"
    ),
    f"supabase/functions/{FN}/kv_store.ts": (
        f"// View at https://supabase.com/dashboard/project/{OLD}/database/tables\nexport const t = 1\n"
    ),
    "supabase/.temp/project-ref": OLD,
    # unrelated or out of scope: must not change
    "src/components/BackupRestoreContent.tsx": "import { projectId } from '../../utils/supabase/info'\n",
    "src/utils/other.ts": "export const x = 'nothing to see'\n",
    "src/data/projects.json": json.dumps({"projectId": OLD}),
    "src/assets/readme.md": f"Old project: {OLD}\n",
    "node_modules/some-lib/index.js": f"module.exports = '{OLD_URL}'\n",
    ".env": f"VITE_SUPABASE_PROJECT_ID={OLD}\n",
    "README.md": f"The app at {OLD_URL}\n",
    "supabase/config.toml": 'project_id = "mvdb"\n',
}
CHANGED = {
    "src/utils/supabase/info.tsx",
    "src/utils/movieApi.ts",
    "src/utils/projectConfigManager.ts",
    f"supabase/functions/{FN}/index.ts",
    f"supabase/functions/{FN}/kv_store.ts",
    "supabase/.temp/project-ref",
}


def _make_app(root: Path) -> None:
    for rel, text in APP_TREE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run_config(script: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *args], cwd=root, capture_output=True, text=True, timeout=60)


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "mvdb-app"
    _make_app(root)
    bundle = write_bundle(tmp_path / "bundle", NEW, NEW_ANON).path  # old id/key: read from info.tsx
    return root, bundle / "02_update_app_config.py"


def test_config_dry_run_changes_nothing(app):
    root, script = app
    before = _snapshot(root)
    r = _run_config(script, root)
    assert r.returncode == 0, r.stderr
    assert _snapshot(root) == before
    assert "dry run" in r.stdout and "6 file(s) would change" in r.stdout
    for rel in CHANGED:
        assert f" {rel} " in r.stdout or r.stdout.count(rel) >= 1
    assert "src/utils/other.ts" not in r.stdout
    # keys are masked in the shown diff; files outside the rewritten code are listed for review
    assert NEW_ANON not in r.stdout and OLD_ANON not in r.stdout and "<new anon key>" in r.stdout
    review = r.stdout.split("review them by hand:")[1]
    assert {".env", "README.md", "src/assets/readme.md", "src/data/projects.json"} <= set(review.split())
    assert "node_modules" not in review


def test_config_apply_changes_exactly_the_right_files_then_revert(app):
    root, script = app
    before = _snapshot(root)
    r = _run_config(script, root, "--apply")
    assert r.returncode == 0, r.stderr
    after = _snapshot(root)
    changed = {rel for rel in before if before[rel] != after.get(rel)}
    assert changed == CHANGED
    new_files = set(after) - set(before)
    assert all(rel.startswith(".mvdb-migration-backup/") for rel in new_files)
    for rel in CHANGED:
        text = after[rel].decode()
        assert OLD not in text.replace(f"{OLD}extra", "") and OLD_ANON not in text, rel
    info = after["src/utils/supabase/info.tsx"].decode()
    assert f'export const projectId = "{NEW}"' in info and f'export const publicAnonKey = "{NEW_ANON}"' in info
    assert info.startswith("/* AUTOGENERATED FILE")
    api = after["src/utils/movieApi.ts"].decode()
    assert f"'https://{NEW}.supabase.co/functions/v1/{FN}'\r\n" in api and "${projectId}" in api
    assert f'"{OLD}extra"' in after["src/utils/projectConfigManager.ts"].decode()
    assert after["supabase/.temp/project-ref"] == NEW.encode()
    assert f"dashboard/project/{NEW}/" in after[f"supabase/functions/{FN}/kv_store.ts"].decode()
    assert (root / ".mvdb-migration-backup" / ".gitignore").read_text() == "*\n"
    # run again: nothing left to change
    r = _run_config(script, root)
    assert r.returncode == 0 and "Nothing to change" in r.stdout
    # revert puts back every original byte for byte
    r = _run_config(script, root, "--revert")
    assert r.returncode == 0, r.stderr
    restored = {k: v for k, v in _snapshot(root).items() if not k.startswith(".mvdb-migration-backup/")}
    assert restored == before
    assert list((root / ".mvdb-migration-backup").glob("*.reverted"))
    r = _run_config(script, root, "--revert")
    assert r.returncode == 1 and "no backup to revert" in r.stderr


def _python39() -> str | None:
    import glob
    import shutil

    for candidate in [*sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9"))),
                      shutil.which("python3.9")]:
        if candidate and subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 9)"],
                                        capture_output=True).returncode == 0:
            return candidate
    return None


def test_config_script_runs_on_python_39(app):
    root, script = app
    python = _python39()
    if python is None:
        pytest.skip("no Python 3.9 interpreter here (the script's syntax is checked for 3.9 elsewhere)")
    before = _snapshot(root)
    for args in ((), ("--apply",), ("--revert",)):
        r = subprocess.run([python, str(script), *args], cwd=root, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
    assert {k: v for k, v in _snapshot(root).items() if not k.startswith(".mvdb-migration-backup/")} == before


def test_config_revert_refuses_files_edited_since(app):
    root, script = app
    assert _run_config(script, root, "--apply").returncode == 0
    edited = root / "src/utils/movieApi.ts"
    edited.write_text(edited.read_text() + "// my edit\n")
    r = _run_config(script, root, "--revert")
    assert r.returncode == 1 and "changed after --apply" in r.stderr
    assert "// my edit" in edited.read_text()
    r = _run_config(script, root, "--revert", "--force")
    assert r.returncode == 0
    assert edited.read_bytes() == APP_TREE["src/utils/movieApi.ts"].encode()


def test_config_with_old_id_given_and_outside_an_app(tmp_path):
    root = tmp_path / "app"
    _make_app(root)
    # info.tsx already rewritten by hand: the embedded old id still finds the leftovers
    info = root / "src/utils/supabase/info.tsx"
    info.write_text(f'export const projectId = "{NEW}"\nexport const publicAnonKey = "{NEW_ANON}"\n')
    script = write_bundle(tmp_path / "b", NEW, NEW_ANON, old_project_id=OLD).path / "02_update_app_config.py"
    r = _run_config(script, root, "--apply")
    assert r.returncode == 0, r.stderr
    assert OLD_URL not in (root / "src/utils/movieApi.ts").read_text()
    assert f'projectId: "{NEW}"' in (root / "src/utils/projectConfigManager.ts").read_text()
    elsewhere = tmp_path / "not-an-app"
    elsewhere.mkdir()
    r = _run_config(script, elsewhere)
    assert r.returncode == 1 and "no src/ folder" in r.stderr
    r = _run_config(script, root, "--apply", "--revert")
    assert r.returncode == 2


# --------------------------------------------------------------------------------------------
# 03_deploy_functions.sh with a stand-in Supabase CLI

FAKE_SUPABASE = r"""#!/usr/bin/env bash
echo "supabase $*" >> "$FAKE_LOG"
if [ "$1 $2" = "secrets set" ]; then
  while [ $# -gt 0 ]; do [ "$1" = "--env-file" ] && cat "$2" >> "$FAKE_LOG"; shift; done
fi
if [ "$1 $2" = "secrets list" ]; then printf 'SUPABASE_URL | x\nSUPABASE_SERVICE_ROLE_KEY | y\n'; fi
if [ -n "${FAKE_FAIL:-}" ] && [ "$1" = "$FAKE_FAIL" ]; then echo "boom" >&2; exit 1; fi
exit 0
"""
FAKE_CURL = r"""#!/usr/bin/env bash
echo "curl $*" >> "$FAKE_LOG"
echo '{"status":"healthy"}'
"""


@pytest.fixture
def deploy(tmp_path):
    root = tmp_path / "mvdb-app"
    _make_app(root)
    bundle = write_bundle(tmp_path / "bundle", NEW, NEW_ANON).path
    assert _run_config(bundle / "02_update_app_config.py", root, "--apply").returncode == 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("supabase", FAKE_SUPABASE), ("curl", FAKE_CURL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "log.txt"

    def run(*args: str, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
        full = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_LOG": str(log), "HOME": str(tmp_path), **env}
        log.write_text("")
        r = subprocess.run(["bash", str(bundle / "03_deploy_functions.sh"), *args], cwd=root, env=full,
                           capture_output=True, text=True, timeout=120)
        return r, log.read_text().splitlines()

    return root, run


def test_deploy_runs_each_step_in_order(deploy):
    _root, run = deploy
    r, calls = run(MVDB_FUNCTION_SECRETS="OPENAI_API_KEY", OPENAI_API_KEY="sk-test-123")
    assert r.returncode == 0, r.stderr
    sup = [c for c in calls if c.startswith("supabase")]
    assert sup[0] == f"supabase link --project-ref {NEW}"
    assert sup[1].startswith(f"supabase secrets set --project-ref {NEW} --env-file ")
    assert sup[2] == f"supabase functions deploy {FN} --project-ref {NEW}"
    assert sup[3] == f"supabase secrets list --project-ref {NEW}"
    assert "OPENAI_API_KEY=sk-test-123" in calls  # the value came from the environment
    curl = [c for c in calls if c.startswith("curl")]
    assert curl and f"Bearer {NEW_ANON}" in curl[0] and f"https://{NEW}.supabase.co/functions/v1/{FN}/health" in curl[0]
    assert "sk-test-123" not in r.stdout


def test_deploy_stops_at_the_first_failure(deploy):
    _root, run = deploy
    r, calls = run(FAKE_FAIL="link")
    assert r.returncode != 0 and "supabase link" in r.stderr
    assert [c for c in calls if c.startswith("supabase")] == [f"supabase link --project-ref {NEW}"]
    r, calls = run(MVDB_FUNCTION_SECRETS="MY_TOKEN")
    assert r.returncode == 1 and "MY_TOKEN is not set" in r.stderr
    assert not any("deploy" in c or "secrets set" in c for c in calls)
    r, calls = run(MVDB_FUNCTION_SECRETS="SUPABASE_URL", SUPABASE_URL="x")
    assert r.returncode == 1 and "reserved" in r.stderr
    r, calls = run(FAKE_FAIL="functions")
    assert r.returncode == 1 and "deploy" in r.stderr
    assert not any("secrets list" in c for c in calls)


def test_deploy_refuses_an_app_not_yet_updated(tmp_path, deploy):
    root, run = deploy
    (root / "src/utils/supabase/info.tsx").write_text(f'export const projectId = "{OLD}"\n')
    r, calls = run()
    assert r.returncode == 1 and "02_update_app_config.py --apply" in r.stderr and calls == []
    r, calls = run(str(tmp_path / "nowhere"))
    assert r.returncode == 1 and "not found" in r.stderr


# --------------------------------------------------------------------------------------------
# 04_restore_data.sh, for real


def _restore_script(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "bundle", NEW, NEW_ANON).path / "04_restore_data.sh"


def _run_restore(script: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run in the bundle's folder (a test's tmp_path), never the checkout: a restore writes backups/ where it runs."""
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("MVDB_")},
            "PYTHON": sys.executable, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(["bash", str(script), *args], cwd=script.parent, env=full, capture_output=True, text=True,
                          timeout=300)


def test_restore_script_restores_a_backup_into_postgresql(tmp_path, sqlite_url, pg_url):
    rows = {"movie:1": {"id": "1", "titleJp": "夏"}, "favorite_f1": {"id": "f1", "userId": "old-user"}}
    put(sqlite_url, rows)
    backup_file = tmp_path / "mvdb-backup.json"
    assert cli("backup", "--store", sqlite_url, "--out", str(backup_file)).returncode == 0
    script = _restore_script(tmp_path)
    r = _run_restore(script, "restore", str(backup_file), MVDB_TARGET_DB_URL=pg_url, MVDB_YES="1",
                     MVDB_REMAP_USER="old-user=new-user")
    assert r.returncode == 0, r.stderr + r.stdout
    assert dump(pg_url) == {**rows, "favorite_f1": {"id": "f1", "userId": "new-user"}}
    assert "Done" in r.stdout


def test_restore_script_migrates_and_checks_its_environment(tmp_path, sqlite_url, pg_url):
    rows = {f"movie:{i}": {"id": i} for i in range(50)}
    put(sqlite_url, rows)
    script = _restore_script(tmp_path)
    r = _run_restore(script, "migrate", MVDB_SOURCE_URL=sqlite_url, MVDB_TARGET_DB_URL=pg_url, MVDB_YES="1",
                     MVDB_BACKUP_DIR=str(tmp_path / "bk"))
    assert r.returncode == 0, r.stderr + r.stdout
    assert dump(pg_url) == {k: v for k, v in rows.items()}
    assert list((tmp_path / "bk").glob("mvdb-backup-*.json"))
    # the Data API target needs the service key from the environment
    r = _run_restore(script, "restore", str(tmp_path / "x.json"))
    assert r.returncode == 1 and "MVDB_SUPABASE_KEY" in r.stderr
    r = _run_restore(script, "migrate", MVDB_TARGET_DB_URL=pg_url)
    assert r.returncode == 1 and "MVDB_SOURCE_URL" in r.stderr
    r = _run_restore(script, "bogus", MVDB_TARGET_DB_URL=pg_url)
    assert r.returncode == 2 and "usage" in r.stderr
