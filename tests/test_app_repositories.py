"""Dashboard (AppTest): compressed and age-encrypted backups, snapshot repositories in a folder and on S3."""

from __future__ import annotations

import pyrage
import pytest
import zstandard
from dashboard_support import all_text, download_bytes, make_dash, open_page, plain

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.demo import generate
from mvdb_core.keys import Keys
from mvdb_core.repository import Repository, init_repository
from mvdb_core.stores import open_store
from ui import labels, uploads


@pytest.fixture
def dash(tmp_path, monkeypatch):
    monkeypatch.setenv("MVDB_STATE_DIR", str(tmp_path / "state"))  # the writer key of age repositories
    monkeypatch.delenv("MVDB_REPOSITORY", raising=False)
    monkeypatch.delenv("MVDB_AGE_IDENTITY", raising=False)
    monkeypatch.delenv("MVDB_PASSPHRASE", raising=False)
    yield from make_dash(tmp_path, monkeypatch)


def _seed(url: str, rows: int = 300, seed: int = 7) -> dict[str, int]:
    with open_store(url) as store:
        store.write(list(generate(rows, seed=seed)), [])
        return store.count()


def _rows(url: str) -> dict[str, bytes]:
    with open_store(url) as store:
        return dict(store.iter_rows()) if store.table_exists() else {}


def _identity() -> tuple[pyrage.x25519.Identity, str]:
    identity = pyrage.x25519.Identity.generate()
    return identity, f"# created: test\n# public key: {identity.to_public()}\n{identity}\n"


def _age_keys(identity) -> Keys:
    public = str(identity.to_public())
    return Keys(recipients=[identity.to_public()], recipient_texts=[public])


def _restore_all(dash, at):
    """Plan, confirm and run the restore on the Restore page as it is."""
    at.button(key="restore_plan_button").click()
    at = dash.run(at)
    assert "restore_confirm" in [c.key for c in at.checkbox], all_text(at)
    at.checkbox(key="restore_confirm").check()
    at = dash.run(at)
    at.button(key="restore_run").click()
    return dash.run(at)


# --------------------------------------------------------------------------------------------
# Backup page: compressed and encrypted downloads


def test_backup_download_compressed_and_encrypted_to_a_public_key(dash, tmp_path):
    counts = _seed(dash.url)
    identity, _ = _identity()
    at = dash.run()
    at.radio(key="backup_compression").set_value("zstd")
    at.text_input(key="backup_recipient").input(str(identity.to_public()))
    at = dash.run(at)
    at.button(key="create_backup").click()
    at = dash.run(at)
    assert not at.error, [e.value for e in at.error]
    button = at.download_button(key="download_backup")
    data = download_bytes(button)
    assert [p.name.endswith(".json.zst.age") for p in (tmp_path / "backups").iterdir()] == [True]
    assert data.startswith(b"age-encryption.org/v1\n")
    out = tmp_path / "downloaded.json.zst.age"
    out.write_bytes(data)
    summary = BackupFile(out, Keys(identities=[identity])).validate()
    assert summary.total == sum(counts.values()) and summary.counts == counts
    assert "encrypted" in all_text(at)


def test_backup_refuses_an_invalid_public_key_before_writing(dash, tmp_path):
    _seed(dash.url)
    identity, _ = _identity()
    at = dash.run()
    at.text_input(key="backup_recipient").input(str(identity))  # the private key pasted by mistake
    at = dash.run(at)
    text = plain(all_text(at))
    assert "not an age public key" in text and "a private key" in text
    assert str(identity) not in text
    assert at.button(key="create_backup").disabled
    at.text_input(key="backup_recipient").input("age1notakey")
    at = dash.run(at)
    assert "not an age public key: age1notakey" in plain(all_text(at))
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())


# --------------------------------------------------------------------------------------------
# Restore page: sealed uploads


def test_restore_of_an_age_upload_needs_the_right_identity(dash, tmp_path):
    _seed(dash.url, seed=3)
    expected = _rows(dash.url)
    identity, identity_text = _identity()
    with open_store(dash.url) as store:
        made = backup(store, tmp_path / "made.json", compression="zstd", keys=_age_keys(identity))
    with open_store(dash.url) as store:  # the store loses rows the backup has
        store.write([], sorted(expected)[:20])

    at = open_page(dash.run(), "restore")
    at.file_uploader(key="restore_upload").upload("b.json.zst.age", made.path.read_bytes(), "application/octet-stream")
    at = dash.run(at)
    assert "is encrypted with age" in plain(all_text(at))
    assert "restore_plan_button" not in [b.key for b in at.button]

    _, wrong_text = _identity()
    at.file_uploader(key="restore_key_identity").upload("wrong.txt", wrong_text.encode(), "text/plain")
    at = dash.run(at)
    text = plain(all_text(at))
    assert "none of the given age identities can decrypt" in text
    assert "restore_plan_button" not in [b.key for b in at.button]
    assert wrong_text.splitlines()[-1] not in text
    assert len(_rows(dash.url)) == len(expected) - 20  # nothing written

    at.file_uploader(key="restore_key_identity").upload("key.txt", identity_text.encode(), "text/plain")
    at = dash.run(at)
    assert "is a valid backup with" in plain(all_text(at))
    at = _restore_all(dash, at)
    text = all_text(at)
    assert "Verification passed" in text and "20 rows written" in text
    assert str(identity) not in text
    assert _rows(dash.url) == expected


def test_restore_of_a_gzip_upload_with_a_passphrase(dash, tmp_path):
    _seed(dash.url, seed=5)
    expected = _rows(dash.url)
    phrase = "orange-tractor-lantern-42"
    with open_store(dash.url) as store:
        made = backup(store, tmp_path / "made.json", compression="gzip", keys=Keys(passphrase=phrase))
        store.write([], sorted(expected)[:7])
    at = open_page(dash.run(), "restore")
    at.file_uploader(key="restore_upload").upload("b.json.gz.age", made.path.read_bytes(), "application/octet-stream")
    at = dash.run(at)
    assert "encrypted with a passphrase" in plain(all_text(at))
    at.text_input(key="restore_key_passphrase").input("not-the-passphrase")
    at = dash.run(at)
    assert "the passphrase does not decrypt" in plain(all_text(at))
    assert "restore_plan_button" not in [b.key for b in at.button]
    at.text_input(key="restore_key_passphrase").input(phrase)
    at = dash.run(at)
    at = _restore_all(dash, at)
    text = all_text(at)
    assert "7 rows written" in text and phrase not in text and "not-the-passphrase" not in text
    assert _rows(dash.url) == expected


# --------------------------------------------------------------------------------------------
# Repositories: a folder encrypted with age


def test_folder_repository_snapshots_listed_downloaded_and_restored(dash, tmp_path):
    counts = _seed(dash.url, rows=1500, seed=9)
    first = _rows(dash.url)
    identity, identity_text = _identity()
    folder = tmp_path / "repo"
    init_repository(str(folder), "age", _age_keys(identity))

    at = dash.app()
    at.secrets["repositories"] = {"local": {"url": str(folder)}}
    at = dash.run(at)
    assert "encrypted with age public keys" in plain(all_text(at))
    at.text_input(key="backup_repo_tags").input("weekly, before-update")
    at.button(key="backup_repo_save").click()
    at = dash.run(at)
    text = plain(all_text(at))
    assert f"saved in local: {sum(counts.values()):,} rows" in text, text
    assert "**0 B** reused" in text

    with open_store(dash.url) as store:  # one changed row: the second snapshot reuses most leaves
        key = sorted(first)[len(first) // 2]
        store.write([(key, b'{"changed":true}')], [])
    at.button(key="backup_repo_save").click()
    at = dash.run(at)
    listing = Repository(str(folder)).snapshots(Keys(identities=[identity]))
    assert len(listing) == 2 and listing[-1].reused_bytes > listing[-1].new_bytes

    # Snapshots page: without the identity, times and sizes; with it, rows and categories.
    at = open_page(at, "snapshots")
    table = at.dataframe[0].value
    assert list(table["Id"]) == [s.id[:8] for s in reversed(listing)]  # newest first
    assert list(table["Added to the repository"]) == [labels.size(s.size) for s in reversed(listing)]
    assert table["Rows"].isna().all()
    assert list(table["Tags"]) == ["before-update, weekly"] * 2
    assert "give the repository's key above" in all_text(at)

    at.file_uploader(key="snapshots_identity").upload("key.txt", identity_text.encode(), "text/plain")
    at = dash.run(at)
    table = at.dataframe[0].value
    assert list(table["Rows"]) == [sum(counts.values())] * 2
    at.selectbox(key="snapshots_pick").set_value(listing[0].id)
    at = dash.run(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Total"] == f"{sum(counts.values()):,}"
    assert str(identity) not in all_text(at)

    at.radio(key="snapshots_format").set_value("zstd")
    at.button(key="snapshots_prepare").click()
    at = dash.run(at)
    data = download_bytes(at.download_button(key="snapshots_download"))
    out = tmp_path / "first.json"
    out.write_bytes(zstandard.ZstdDecompressor().stream_reader(data).read())
    assert BackupFile(out).validate().counts == counts

    # Restore the first snapshot: the changed row comes back through the plan and the confirmation.
    at.button(key="snapshots_restore").click()
    at = dash.run(at)
    assert "restore_plan_button" in [b.key for b in at.button]  # switched to the Restore page
    at = open_page(at, "restore")  # the address the browser now shows (AppTest keeps the old one)
    text = plain(all_text(at))
    assert f"Restoring snapshot {listing[0].id[:8]} of the repository local" in text, text
    assert "is a valid backup with" in text
    at = _restore_all(dash, at)
    assert "1 rows written" in all_text(at) or "1 row written" in all_text(at)
    assert _rows(dash.url) == first


def test_restore_page_offers_repository_snapshots(dash, tmp_path):
    _seed(dash.url, seed=4)
    expected = _rows(dash.url)
    folder = tmp_path / "plainrepo"
    repo = init_repository(str(folder), "none", Keys())
    with open_store(dash.url) as store:
        repo.snapshot(store, Keys(), time="2026-01-02T03:04:05Z")
        store.write([], sorted(expected)[:11])
    at = dash.app()
    at.secrets["repositories"] = {"plain": {"url": str(folder)}}
    at = open_page(dash.run(at), "restore")
    at.button(key="restore_repo_use").click()
    at = dash.run(at)
    assert "taken 2026-01-02 03:04:05" in plain(all_text(at))
    at = _restore_all(dash, at)
    assert "11 rows written" in all_text(at)
    assert _rows(dash.url) == expected
    at.button(key="restore_snapshot_drop").click()
    at = dash.run(at)
    assert "Choose a backup file" in all_text(at)


def test_no_repository_configured_says_how(dash):
    _seed(dash.url, rows=50)
    at = dash.run()
    assert "[repositories.NAME]" in plain(all_text(at))
    at = open_page(at, "snapshots")
    assert "No snapshot repository is configured" in all_text(at)


# --------------------------------------------------------------------------------------------
# Repositories: S3 with credentials from secrets.toml, encrypted with a passphrase


def test_s3_repository_with_credentials_from_secrets(dash, bucket, s3_env, monkeypatch):
    counts = _seed(dash.url, seed=6)
    phrase = "velvet-harbour-19"
    url = f"s3://{bucket}/mvdb"
    init_repository(url, "passphrase", Keys(passphrase=phrase))
    for name in s3_env:  # from here on only secrets.toml knows the server and the credentials
        monkeypatch.delenv(name)
    spec = {"url": url, "aws_access_key_id": s3_env["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": s3_env["AWS_SECRET_ACCESS_KEY"], "endpoint_url": s3_env["AWS_ENDPOINT_URL"],
            "region": "us-east-1"}
    at = dash.app()
    at.secrets["repositories"] = {"offsite": spec}
    at = dash.run(at)
    assert at.button(key="backup_repo_save").disabled  # the passphrase first
    at.text_input(key="backup_repo_passphrase").input(phrase)
    at = dash.run(at)
    at.button(key="backup_repo_save").click()
    at = dash.run(at)
    assert f"saved in offsite: {sum(counts.values()):,} rows" in plain(all_text(at))

    at = open_page(at, "snapshots")
    at.text_input(key="snapshots_passphrase").input("wrong passphrase")
    at = dash.run(at)
    assert "the passphrase does not open the repository" in plain(all_text(at))
    at.text_input(key="snapshots_passphrase").input(phrase)
    at = dash.run(at)
    table = at.dataframe[0].value
    assert list(table["Rows"]) == [sum(counts.values())]
    text = all_text(at)
    for secret in (phrase, s3_env["AWS_SECRET_ACCESS_KEY"], s3_env["AWS_ACCESS_KEY_ID"]):
        assert secret not in text


def test_s3_errors_never_show_the_secret_key(dash, bucket, s3_env, monkeypatch):
    _seed(dash.url, rows=50)
    for name in s3_env:
        monkeypatch.delenv(name)
    secret = "very-secret-key-value-123"
    at = dash.app()
    at.secrets["repositories"] = {"broken": {
        "url": f"s3://{bucket}-missing/x", "aws_access_key_id": "AKIATESTKEY", "aws_secret_access_key": secret,
        "endpoint_url": s3_env["AWS_ENDPOINT_URL"], "region": "us-east-1"}}
    at = open_page(dash.run(at), "snapshots")
    text = plain(all_text(at))
    assert "repository" in text and at.error
    assert secret not in text and "AKIATESTKEY" not in text


def test_statistics_page_reads_an_encrypted_upload_and_forgets_its_plain_copy(dash, tmp_path):
    _seed(dash.url, seed=2)
    identity, identity_text = _identity()
    with open_store(dash.url) as store:
        made = backup(store, tmp_path / "made.json", compression="zstd", keys=_age_keys(identity))
    before = set(uploads.folder().glob("plain-*/*/*"))  # other tests' sessions in this process
    at = open_page(dash.run(), "statistics")
    at.file_uploader(key="stats_upload").upload("b.json.zst.age", made.path.read_bytes(), "application/octet-stream")
    at = dash.run(at)
    assert "Store and backup compared" not in all_text(at)
    at.file_uploader(key="stats_key_identity").upload("key.txt", identity_text.encode(), "text/plain")
    at = dash.run(at)
    assert "same number of rows in every category" in all_text(at)
    copies = list(set(uploads.folder().glob("plain-*/*/*")) - before)
    assert len(copies) == 1  # the decoded copy, in the private upload folder
    plain_backup = tmp_path / "plain.json"
    with open_store(dash.url) as store:
        backup(store, plain_backup)
    at.file_uploader(key="stats_upload").upload("c.json", plain_backup.read_bytes(), "application/json")
    at = dash.run(at)
    assert not copies[0].exists()  # a new upload drops the decoded copy of the old one
