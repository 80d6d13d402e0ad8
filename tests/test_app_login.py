"""Dashboard login gate (AppTest): password, growing delay, logout, no-password modes, language."""

from __future__ import annotations

import pytest
from dashboard_support import PASSWORD, all_text, make_dash, open_page, password_hash

from ui import auth, login


@pytest.fixture
def dash(tmp_path, monkeypatch):
    yield from make_dash(tmp_path, monkeypatch)


def _login(at, password: str):
    at.text_input(key="login_password").input(password)
    at.button[0].click()  # the form's submit button
    return at


def _page_shown(at) -> bool:
    return "Connected store" in all_text(at)


def test_password_login_wrong_then_right_then_logout(dash, monkeypatch):
    monkeypatch.setenv("MVDB_ADMIN_PASSWORD_HASH", password_hash())
    # A delay no run of the dashboard outlasts, however busy the machine (the default 1 s could pass
    # between two runs); the test ends it by hand below.
    monkeypatch.setattr(auth, "THROTTLE", auth.Throttle(base=600.0))
    at = dash.run()
    assert "Admin password" in [t.label for t in at.text_input]
    assert not _page_shown(at)
    assert not at.sidebar.selectbox or [s.key for s in at.sidebar.selectbox] == ["lang"]  # no store info

    at = dash.run(_login(at, "wrong password"))
    assert any("Wrong password" in e for e in map(str, (x.value for x in at.error)))
    assert not _page_shown(at)

    # still inside the growing delay: even the right password is not checked
    at = dash.run(_login(at, PASSWORD))
    assert any("Too many failed attempts" in e for e in map(str, (x.value for x in at.error)))
    assert not _page_shown(at)

    auth.THROTTLE.reset()  # the delay has passed
    at = dash.run(_login(at, PASSWORD))
    assert _page_shown(at)
    assert "No admin password is set" not in all_text(at)
    assert PASSWORD not in [str(v) for v in at.session_state.to_dict().values()]

    at.button(key="logout").click()
    at = dash.run(at)
    assert not _page_shown(at)
    assert "Admin password" in [t.label for t in at.text_input]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delay_is_shared_by_every_client_and_session(dash, monkeypatch):
    """Behind a proxy or on loopback every browser looks alike: the delay belongs to the password, not the address."""
    monkeypatch.setenv("MVDB_ADMIN_PASSWORD_HASH", password_hash())
    clock = FakeClock()
    monkeypatch.setattr(auth, "THROTTLE", auth.Throttle(base=1.0, cap=10.0, clock=clock))

    monkeypatch.setattr(login, "_remote_ip", lambda: "203.0.113.9")
    at = dash.run(_login(dash.run(), "wrong password"))
    assert any("next attempt is possible in 1 s" in e for e in map(str, (x.value for x in at.error)))

    # another address, another session, right password: still inside the delay, so not checked
    monkeypatch.setattr(login, "_remote_ip", lambda: "198.51.100.7")
    clock.now += 0.5
    other = dash.run()
    assert "Too many failed attempts: wait 1 s" in all_text(other)
    other = dash.run(_login(other, PASSWORD))
    assert any("Too many failed attempts" in e for e in map(str, (x.value for x in other.error)))
    assert not _page_shown(other)

    clock.now += 0.5  # the delay has passed: the right password gets in, without any reset
    other = dash.run(_login(other, PASSWORD))
    assert _page_shown(other)


def test_hash_from_secrets(dash):
    at = dash.app()
    at.secrets["admin_password_hash"] = password_hash()
    at = dash.run(at)
    assert not _page_shown(at)
    at = dash.run(_login(at, PASSWORD))
    assert _page_shown(at)


def test_plain_password_instead_of_hash_is_refused(dash, monkeypatch):
    monkeypatch.setenv("MVDB_ADMIN_PASSWORD_HASH", "my-plain-password")
    at = dash.run()
    text = all_text(at)
    assert "not a valid argon2 hash" in text
    assert "python -m ui.auth hash" in text
    assert not _page_shown(at)
    assert "my-plain-password" not in text


def test_no_password_on_loopback_shows_banner(dash):
    at = dash.run()
    assert _page_shown(at)
    assert "No admin password is set" in all_text(at)


def test_no_password_from_another_host_shows_no_data(dash, monkeypatch):
    monkeypatch.setattr(auth, "client_is_local", lambda ip, headers: False)
    at = dash.run()
    text = all_text(at)
    assert "opening it from another computer" in text
    assert "python -m ui.auth hash" in text
    assert not _page_shown(at)
    assert not at.sidebar.button


def test_pages_cannot_be_opened_around_the_gate(dash, monkeypatch):
    monkeypatch.setenv("MVDB_ADMIN_PASSWORD_HASH", password_hash())
    at = open_page(dash.app(), "restore")
    assert not _page_shown(at)
    assert "Restore" not in [t.value for t in at.title]
    assert "Admin password" in [t.label for t in at.text_input]


def test_language_switch_to_indonesian(dash):
    at = dash.run()
    at.selectbox(key="lang").select("id")
    at = dash.run(at)
    text = all_text(at)
    assert "Penyimpanan terhubung" in text
    assert "Tabel" in text
    assert "Buat Backup Data" not in text  # the empty store has nothing to back up...
    assert "Muat data demo" in [b.label.split(" ", 1)[1] for b in at.button if b.key == "load_demo"]


def test_indonesian_from_the_browser_locale(dash):
    at = dash.app()
    at.context = {"locale": "id-ID"}
    at = open_page(dash.run(at), "restore")
    assert "Pilih berkas backup untuk memulai" in all_text(at)
    assert [t.value for t in at.title] == ["♻️ Restore"]
