"""Dashboard, Migration page (AppTest): guide, bundle download, dry run and migration with verification."""

from __future__ import annotations

import io
import zipfile

import pytest
from dashboard_support import all_text, download_bytes, make_dash, open_page, plain

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.demo import generate
from mvdb_core.restore import RestoreOptions, plan_restore
from mvdb_core.stores import open_store

ANON_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.fixture
def dash(tmp_path, monkeypatch):
    yield from make_dash(tmp_path, monkeypatch)


def _migration_page(dash):
    return open_page(dash.run(), "migration")


def _seed(url: str, rows: int = 300) -> None:
    with open_store(url) as store:
        store.write(list(generate(rows, seed=4)), [])


def test_guide_and_bundle(dash):
    at = _migration_page(dash)
    text = all_text(at)
    assert "Step-by-step guide" in text
    assert "Create a new Supabase project" in text  # the guide's steps
    at.text_input(key="mig_project").input("abcdefghijklmnopqrst")
    at.text_input(key="mig_anon").input(ANON_KEY)
    at.button(key="mig_bundle_button").click()
    at = dash.run(at)
    assert "The bundle is ready" in all_text(at)
    button = at.download_button(key="mig_bundle_download")
    data = download_bytes(button)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith("01_create_table.sql") for n in names)
    assert any(n.endswith("02_update_app_config.py") for n in names)
    assert ANON_KEY not in all_text(at)  # the key is never echoed back


def test_bundle_needs_project_and_key(dash):
    at = _migration_page(dash)
    at.button(key="mig_bundle_button").click()
    at = dash.run(at)
    assert "Enter the new project id and its anon key first." in all_text(at)
    at.text_input(key="mig_project").input("Not A Valid Id!")
    at.text_input(key="mig_anon").input(ANON_KEY)
    at.button(key="mig_bundle_button").click()
    at = dash.run(at)
    text = all_text(at)
    assert "invalid New project id or URL" in text and "--project-id" not in text  # the field, not the CLI flag
    assert "mig_bundle_download" not in [b.key for b in at.download_button]


def test_migrate_to_postgresql_with_dry_run_first(dash, pg_url, tmp_path):
    _seed(dash.url)
    at = _migration_page(dash)
    at.text_input(key="mig_db_url").input(pg_url)
    at.button(key="mig_check").click()
    at = dash.run(at)
    text = all_text(at)
    assert "Dry run" in text and "Nothing was written there" in text
    with open_store(pg_url) as target:
        assert not target.table_exists()

    assert at.button(key="mig_run").disabled
    at.checkbox(key="mig_confirm").check()
    at = dash.run(at)
    at.button(key="mig_run").click()
    at = dash.run(at)
    text = all_text(at)
    assert "Verification passed" in text, text
    assert "The table was created in the new project." in text
    with open_store(dash.url) as source:
        made = backup(source, tmp_path / "check.json")
    with open_store(pg_url) as target:
        assert plan_restore(BackupFile(made.path), target, RestoreOptions(mode="mirror")).writes == 0
        assert plan_restore(BackupFile(made.path), target, RestoreOptions(mode="mirror")).deletes == 0


def test_target_with_other_data_needs_a_mode(dash, pg_url):
    _seed(dash.url, rows=150)
    with open_store(pg_url) as target:
        target.create_table()
        target.write([("zz_other:1", b'{"a":1}')], [])
    at = _migration_page(dash)
    at.text_input(key="mig_db_url").input(pg_url)
    at.checkbox(key="mig_confirm").check()
    at = dash.run(at)
    at.button(key="mig_run").click()
    at = dash.run(at)
    assert "already holds other data" in all_text(at)
    at.radio(key="mig_mode").set_value("merge")
    at.button(key="mig_run").click()
    at = dash.run(at)
    assert "Verification passed" in all_text(at)
    with open_store(pg_url) as target:
        assert "zz_other:1" in dict(target.iter_rows(keys_only=True))  # merge keeps it


def test_supabase_target_without_table_says_what_to_run(dash, rest_server):
    _seed(dash.url, rows=120)
    with open_store(rest_server.pg_url) as direct:
        direct._connect().execute(f"DROP TABLE {rest_server.table}")
    at = _migration_page(dash)
    at.radio(key="mig_target_kind").set_value("supabase")
    at = dash.run(at)
    at.text_input(key="mig_project").input(rest_server.url)
    at.text_input(key="mig_service_key").input(rest_server.service_key)
    at.checkbox(key="mig_confirm").check()
    at = dash.run(at)
    at.button(key="mig_run").click()
    at = dash.run(at)
    text = all_text(at)
    assert "The migration failed" in text or "could not be read or written" in text
    assert "SQL" in text
    assert rest_server.service_key not in text


def test_supabase_target_wrong_key(dash, rest_server):
    _seed(dash.url, rows=120)
    at = _migration_page(dash)
    at.radio(key="mig_target_kind").set_value("supabase")
    at = dash.run(at)
    at.text_input(key="mig_project").input(rest_server.url)
    at.text_input(key="mig_service_key").input("wrong-key-" + "x" * 30)
    at.checkbox(key="mig_confirm").check()
    at = dash.run(at)
    at.button(key="mig_run").click()
    at = dash.run(at)
    text = all_text(at)
    assert "What to do" in text
    assert "wrong-key-" not in text


@pytest.mark.parametrize(
    ("key", "says"),
    [("sb_secret_" + "k" * 30, "New anon key is a secret (service_role) key"), ("not a key", "invalid New anon key")],
)
def test_bundle_mistake_is_explained_in_its_step_by_the_fields_name(dash, key, says):
    at = _migration_page(dash)
    at.text_input(key="mig_project").input("abcdefghijklmnopqrst")
    at.text_input(key="mig_anon").input(key)
    at.button(key="mig_bundle_button").click()
    at = dash.run(at)
    text = plain(all_text(at))
    assert says in text and "--anon-key" not in text
    assert key not in text
    assert "mig_check" in [b.key for b in at.button]  # the rest of the page is still there
    assert "3️⃣ Migrate now" in [s.value for s in at.subheader]
