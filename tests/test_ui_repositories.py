"""Repositories the dashboard offers (secrets.toml, environment) and the S3 settings passed to the client."""

from __future__ import annotations

import pytest

from mvdb_core.errors import UsageError
from mvdb_core.object_store import S3Store, open_object_store
from ui.repositories import RepoConfig, configured


def test_repositories_from_environment_and_secrets():
    secrets = {"repositories": {
        "offsite": {"url": " s3://bucket/mvdb ", "aws_access_key_id": "AKIA1", "aws_secret_access_key": "s3cr3t-key",
                    "endpoint_url": "https://s3.example.com", "region": "auto", "ignored": "x"},
        "disk": {"url": "/srv/mvdb-repo"},
        "no_url": {"aws_secret_access_key": "zzz"},
        "not_a_table": "s3://x",
    }}
    found = configured({"MVDB_REPOSITORY": "/var/repo"}, secrets)
    assert [(c.name, c.url) for c in found] == [
        ("Environment", "/var/repo"), ("offsite", "s3://bucket/mvdb"), ("disk", "/srv/mvdb-repo")]
    offsite = found[1]
    assert dict(offsite.s3) == {"aws_access_key_id": "AKIA1", "aws_secret_access_key": "s3cr3t-key",
                                "endpoint_url": "https://s3.example.com", "region": "auto"}
    assert set(offsite.secrets()) == {"AKIA1", "s3cr3t-key"}
    assert "s3cr3t-key" not in repr(offsite) and offsite.where() == "s3://bucket/mvdb"
    assert found[2].secrets() == [] and found[0].s3 == ()
    assert configured({}, None) == []


def test_an_endpoint_with_a_password_is_a_secret():
    cfg = RepoConfig("x", "s3://b/p", (("endpoint_url", "https://user:pw-9876@minio.local:9000"),))
    assert "pw-9876" in cfg.secrets()


def test_s3_settings_go_to_the_client_not_the_environment(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    store = open_object_store("s3://bucket/prefix", {"aws_access_key_id": "AKIA2", "aws_secret_access_key": "sk",
                                                     "endpoint_url": "http://127.0.0.1:9", "region": "eu-west-3"})
    assert isinstance(store, S3Store)
    assert store.client.meta.region_name == "eu-west-3"
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert store.client._request_signer._credentials.access_key == "AKIA2"
    with pytest.raises(UsageError, match="unknown S3 setting"):
        S3Store("s3://bucket/prefix", {"password": "x"})
