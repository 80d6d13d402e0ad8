"""Dashboard sidebar (AppTest): store picker, custom connections, presets from secrets, refresh."""

from __future__ import annotations

import re

import pytest
from dashboard_support import all_text, make_dash, plain

from mvdb_core.demo import generate
from mvdb_core.stores import open_store


@pytest.fixture
def dash(tmp_path, monkeypatch):
    yield from make_dash(tmp_path, monkeypatch)


def test_connect_to_supabase_with_key(dash, rest_server):
    with open_store(rest_server.url, key=rest_server.service_key) as store:
        store.write(list(generate(120, seed=3)), [])
        total = sum(store.count().values())
    at = dash.run()
    at.radio(key="custom_kind").set_value("supabase")
    at = dash.run(at)
    at.text_input(key="custom_address_supabase").input(rest_server.url)
    at.text_input(key="custom_key").input(rest_server.service_key)
    at.button(key="custom_connect").click()
    at = dash.run(at)
    side = all_text(at)
    assert "Custom Supabase" in at.selectbox(key="connection_name").value
    assert f"**Rows:** {total:,}" in side
    assert "Supabase (Data API)" in side
    assert at.text_input(key="custom_key").value == ""  # the typed key is not kept in the form
    assert rest_server.service_key not in side + str(at.sidebar)


def test_failed_connect_explains_and_keeps_the_old_store(dash, rest_server):
    at = dash.run()
    at.radio(key="custom_kind").set_value("supabase")
    at = dash.run(at)
    at.text_input(key="custom_address_supabase").input(rest_server.url)
    at.text_input(key="custom_key").input("wrong-key-" + "y" * 30)
    at.button(key="custom_connect").click()
    at = dash.run(at)
    text = all_text(at)
    assert "the Supabase key was rejected" in text
    assert "wrong-key-" not in text
    assert at.selectbox(key="connection_name").value == "Environment"


def test_connect_needs_an_address_and_a_key(dash):
    at = dash.run()
    at.radio(key="custom_kind").set_value("supabase")
    at = dash.run(at)
    at.button(key="custom_connect").click()
    at = dash.run(at)
    assert "Enter the address of the store first." in all_text(at)
    at.text_input(key="custom_address_supabase").input("abcdefghijklmnopqrst")
    at.button(key="custom_connect").click()
    at = dash.run(at)
    assert "Enter the API key of the Supabase project." in all_text(at)


def test_connect_to_another_sqlite_file_and_switch_back(dash, tmp_path):
    other = tmp_path / "other.sqlite3"
    with open_store(f"sqlite://{other}") as store:
        store.write(list(generate(50, seed=9)), [])
        total = sum(store.count().values())
    at = dash.run()
    at.text_input(key="custom_address_sqlite").input(str(other))
    at.button(key="custom_connect").click()
    at = dash.run(at)
    assert f"**Rows:** {total:,}" in all_text(at)
    at.selectbox(key="connection_name").select("Environment")
    at = dash.run(at)
    assert "**Rows:** —" in all_text(at)


def test_presets_from_secrets(dash, monkeypatch, tmp_path):
    monkeypatch.delenv("MVDB_STORE_URL")
    path = tmp_path / "from-secrets.sqlite3"
    with open_store(f"sqlite://{path}") as store:
        store.write(list(generate(40, seed=1)), [])
        total = sum(store.count().values())
    at = dash.app()
    at.secrets["stores"] = {"production": {"url": f"sqlite://{path}"}}
    at = dash.run(at)
    options = at.selectbox(key="connection_name").options
    assert [o.split(" — ")[0] for o in options] == ["production", "Embedded SQLite"]
    assert f"**Rows:** {total:,}" in all_text(at)


def test_refresh_sees_changes_made_elsewhere(dash):
    with open_store(dash.url) as store:
        store.write(list(generate(60, seed=1)), [])
        total = sum(store.count().values())
    at = dash.run()
    assert f"**Rows:** {total:,}" in all_text(at)
    with open_store(dash.url) as store:
        store.write([("zz:1", b"1")], [])
    at.button(key="refresh").click()
    at = dash.run(at)
    assert f"**Rows:** {total + 1:,}" in all_text(at)


def test_wrong_postgresql_password_is_about_the_login_not_the_network(dash, monkeypatch, pg_server):
    monkeypatch.setenv("MVDB_STORE_URL", pg_server.secure_url(password="not-the-password"))
    at = dash.run()
    text = all_text(at)
    assert "refused the login" in text and "user name and the password" in text
    assert "internet connection" not in text
    assert "not-the-password" not in text + str(at.sidebar)


def test_masked_password_does_not_break_the_store_label(dash, monkeypatch):
    monkeypatch.setenv("MVDB_STORE_URL", "postgresql://postgres:s3cret-pw@127.0.0.1:1/postgres")
    at = dash.run()
    text = all_text(at)
    assert "s3cret-pw" not in text
    assert "postgres:\u2060\\*\\*\\*@" in text  # the mask, escaped: literal stars, not bold
    assert "***" not in re.sub(r"\\.", "", text)  # no unescaped run of stars anywhere


def test_picker_shows_names_in_the_admins_language(dash):
    at = dash.run()
    picker = at.selectbox(key="connection_name")
    assert picker.options == ["Environment", "Embedded SQLite"]  # names only: they fit; the address is below
    at.selectbox(key="lang").select("id")
    at = dash.run(at)
    assert at.selectbox(key="connection_name").options == ["Variabel lingkungan", "SQLite bawaan"]
    assert at.radio(key="custom_kind").options == ["Bawaan (berkas SQLite)", "PostgreSQL", "Supabase (Data API)"]
    at.text_input(key="custom_address_sqlite").input("data/other.sqlite3")
    at.button(key="custom_connect").click()
    at = dash.run(at)
    assert at.selectbox(key="connection_name").options[-1] == "SQLite lain"  # a connection the admin made


def test_relative_sqlite_url_says_which_file_was_meant(dash, monkeypatch, tmp_path):
    real = tmp_path / "elsewhere" / "x.db"
    real.parent.mkdir()
    with open_store(f"sqlite://{real}") as store:
        store.write(list(generate(30, seed=2)))
    relative = str(real).lstrip("/")  # `sqlite://tmp/...`: relative to the working folder
    monkeypatch.setenv("MVDB_STORE_URL", f"sqlite://{relative}")
    at = dash.run()
    assert f"sqlite:///{relative}" in plain(all_text(at))  # the core's suggestion, on the page
    assert "three slashes" in all_text(at)
    assert any("three slashes" in c.value for c in at.sidebar.caption)
