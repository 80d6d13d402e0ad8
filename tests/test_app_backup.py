"""Dashboard, Backup page (AppTest): empty store, demo data, backup with download, errors."""

from __future__ import annotations

from datetime import date

import pytest
from dashboard_support import all_text, download_bytes, make_dash

from mvdb_core.backup_file import BackupFile
from mvdb_core.categories import group_totals
from mvdb_core.demo import generate
from mvdb_core.stores import open_store
from ui.i18n import Translator


@pytest.fixture
def dash(tmp_path, monkeypatch):
    yield from make_dash(tmp_path, monkeypatch)


def _seed(url: str, rows: int = 400) -> dict[str, int]:
    with open_store(url) as store:
        store.write(list(generate(rows, seed=7)), [])
        return store.count()


def test_empty_embedded_store_offers_demo_data_and_backs_it_up(dash, tmp_path):
    at = dash.run()
    text = all_text(at)
    assert "does not exist in this store" in text
    assert "create_backup" not in [b.key for b in at.button]
    assert "No admin password is set" in text  # open mode banner (loopback, no password)

    at.button(key="load_demo").click()
    at = dash.run(at)
    with open_store(dash.url) as store:
        counts = store.count()
    total = sum(counts.values())
    assert total >= 3000
    assert f"**Rows:** {total:,}" in all_text(at)

    at.button(key="create_backup").click()
    at = dash.run(at)
    assert not at.error
    assert any("The backup is ready" in s for s in map(str, (e.value for e in at.success)))
    button = at.download_button(key="download_backup")
    assert button.proto.label.endswith("Download backup")
    data = download_bytes(button)
    out = tmp_path / "downloaded.json"
    out.write_bytes(data)
    summary = BackupFile(out).validate()
    assert summary.total == total and summary.counts == counts
    assert button.proto.deferred_file_id  # bytes are read on click only

    metrics = {m.label: m.value for m in at.metric}
    for name, value in group_totals(counts).items():
        assert metrics[name] == f"{value:,}"
    # the same file is kept on the server, named as the seed names it
    kept = list((tmp_path / "backups").glob("mvdb-backup-*.json"))
    assert [p.name for p in kept] == [f"mvdb-backup-{date.today().isoformat()}.json"]
    assert kept[0].read_bytes() == data


def test_backup_of_a_store_with_data(dash):
    counts = _seed(dash.url)
    at = dash.run()
    assert "load_demo" not in [b.key for b in at.button]
    at.button(key="create_backup").click()
    at = dash.run(at)
    table = at.dataframe[-1].value
    en = Translator("en")
    assert dict(zip(table["Category"], table["Rows"])) == {en(f"cat.{n}"): c for n, c in counts.items() if c}


def test_empty_table_explains_why_and_writes_nothing(dash, tmp_path):
    with open_store(dash.url) as store:
        store.create_table()
    at = dash.run()
    text = all_text(at)
    assert "0 rows" in text and "No backup was made" in text
    assert "create_backup" not in [b.key for b in at.button]
    assert not (tmp_path / "backups").exists()


def test_connection_error_is_explained_without_secret(dash, monkeypatch):
    monkeypatch.setenv("MVDB_STORE_URL", "postgresql://admin:s3cretPassw0rd@127.0.0.1:1/mvdb")
    at = dash.run()
    text = all_text(at)
    assert "could not be read or written" in text
    assert "What to do" in text
    assert "s3cretPassw0rd" not in text
    assert "s3cretPassw0rd" not in str(at.sidebar)


def test_unsupported_store_url_is_a_plain_message(dash, monkeypatch):
    monkeypatch.setenv("MVDB_STORE_URL", "ftp://example.com/data")
    at = dash.run()
    assert "unsupported store" in all_text(at)


def test_anon_key_under_rls_says_why_zero_rows(dash, monkeypatch, rest_server):
    with open_store(rest_server.url, key=rest_server.service_key) as store:
        store.write(list(generate(100, seed=1)), [])
    rest_server.set_rls(True)
    monkeypatch.setenv("MVDB_STORE_URL", rest_server.url)
    monkeypatch.setenv("MVDB_SUPABASE_KEY", rest_server.anon_key)
    at = dash.run()
    text = all_text(at)
    assert "returned **0 rows**" in text or "0 rows" in text
    assert "anon" in text and "service" in text
    assert "create_backup" not in [b.key for b in at.button]
    assert rest_server.anon_key not in text + str(at.sidebar)


def test_supabase_wrong_key_is_explained(dash, monkeypatch, rest_server):
    monkeypatch.setenv("MVDB_STORE_URL", rest_server.url)
    monkeypatch.setenv("MVDB_SUPABASE_KEY", "definitely-not-a-valid-key-" + "x" * 20)
    at = dash.run()
    text = all_text(at)
    assert "could not be read or written" in text
    assert "What to do" in text
    assert "definitely-not-a-valid-key" not in text


def test_supabase_backup_with_service_key(dash, monkeypatch, rest_server, tmp_path):
    with open_store(rest_server.url, key=rest_server.service_key) as store:
        store.write(list(generate(150, seed=1)), [])
        counts = store.count()
    monkeypatch.setenv("MVDB_STORE_URL", rest_server.url)
    monkeypatch.setenv("MVDB_SUPABASE_KEY", rest_server.service_key)
    at = dash.run()
    assert "Supabase (Data API)" in all_text(at)
    at.button(key="create_backup").click()
    at = dash.run(at)
    out = tmp_path / "sb.json"
    out.write_bytes(download_bytes(at.download_button(key="download_backup")))
    assert BackupFile(out).validate().counts == counts
