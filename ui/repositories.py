"""Snapshot repositories the dashboard offers: `[repositories.NAME]` in secrets.toml, or MVDB_REPOSITORY.

secrets.toml:

    [repositories.offsite]
    url = "s3://my-bucket/mvdb"          # or a folder path
    aws_access_key_id = "..."            # optional; else the standard AWS_* variables apply
    aws_secret_access_key = "..."
    endpoint_url = "https://..."         # MinIO, R2, B2, Supabase Storage's S3 endpoint
    region = "auto"

Each repository's S3 settings are passed to its own client (never put into the environment,
which every session's thread shares). The S3 keys are secrets: `secrets()` lists them so that no
message shows them. Also the snapshot handed from one page to the Restore page lives here.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as secrets_module
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from mvdb_core.keys import Keys
from mvdb_core.object_store import S3_SETTINGS, open_object_store
from mvdb_core.redaction import redact_url, url_secrets
from mvdb_core.repository import Repository, SnapshotInfo
from mvdb_core.sealing import suffix
from ui import uploads
from ui.progress import Bars
from ui.uploads import Upload

URL_ENV = "MVDB_REPOSITORY"
HANDED = "restore_snapshot"
"""Session key of the snapshot the Restore page works on: {"upload", "repository", "id", "time"}."""


@dataclass(frozen=True)
class RepoConfig:
    name: str
    url: str
    s3: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """(setting, value) pairs of S3_SETTINGS given in secrets.toml; the rest comes from the AWS_* variables."""

    def where(self) -> str:
        """The location without secrets (an s3:// or folder address holds none; an odd URL might)."""
        return redact_url(self.url) if "://" in self.url and not self.url.startswith("s3://") else self.url

    def secrets(self) -> list[str]:
        settings = dict(self.s3)
        found = [settings.get("aws_secret_access_key"), settings.get("aws_access_key_id")]
        return [s for s in found if s] + url_secrets(settings.get("endpoint_url") or "") + url_secrets(self.url)

    def open(self) -> Repository:
        return Repository(self.url, open_object_store(self.url, dict(self.s3)))


def configured(environ: Mapping[str, str], secrets: Mapping[str, Any] | None) -> list[RepoConfig]:
    """The repositories of the environment (MVDB_REPOSITORY, with the AWS_* variables) and of secrets.toml."""
    out: list[RepoConfig] = []
    if environ.get(URL_ENV, "").strip():
        out.append(RepoConfig("Environment", environ[URL_ENV].strip()))
    found = (secrets or {}).get("repositories")
    if isinstance(found, Mapping):
        for name, spec in found.items():
            if isinstance(spec, Mapping) and str(spec.get("url") or "").strip():
                s3 = tuple((k, str(spec[k]).strip()) for k in S3_SETTINGS if str(spec.get(k) or "").strip())
                out.append(RepoConfig(str(name), str(spec["url"]).strip(), s3))
    return out


def available() -> list[RepoConfig]:
    from ui.connections import read_secrets

    return configured(os.environ, read_secrets())


def secrets() -> list[str]:
    """Every S3 key of every repository, and the identities and passphrases typed or uploaded this session."""
    return [s for c in available() for s in c.secrets()] + list(st.session_state.get(_KEY_SECRETS, []))


# --------------------------------------------------------------------------------------------
# Keys given on a page

_KEY_SECRETS = "_key_secrets"


def remember(keys: Keys) -> Keys:
    """Note the keys' secrets for redaction (a message must never quote them); returns `keys`."""
    known = st.session_state.setdefault(_KEY_SECRETS, [])
    for secret in keys.secrets():
        if secret not in known:
            known.append(secret)
    return keys


_FINGERPRINT_KEY = secrets_module.token_bytes(32)


def fingerprint(keys: Keys) -> str:
    """A secret-free id of the keys, for session state (different keys, different id).

    Keyed with a random key of this process: the id cannot be used to test guesses of a passphrase.
    """
    return hmac.new(_FINGERPRINT_KEY, "\0".join(keys.secrets()).encode(), hashlib.sha256).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Exported snapshots


def export(cfg: RepoConfig, repo: Repository, info: SnapshotInfo, keys: Keys, compression: str | None = None,
           progress: Bars | None = None) -> Upload:
    """The snapshot as a 3.0.0 file (zstd-compressed on request) in the private upload folder."""
    work = Path(tempfile.mkdtemp(prefix="snapshot-", dir=uploads.folder()))
    path = work / (f"mvdb-snapshot-{info.id[:8]}.json" + suffix(compression, False))
    try:
        repo.export(info, path, keys, progress, compression=compression)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Upload(f"snapshot:{repo.id}:{info.id}", f"{cfg.name} {info.id[:8]}", str(path), path.stat().st_size)


def discard(upload: Upload | None) -> None:
    """Remove an exported snapshot (its private folder)."""
    if upload is not None:
        shutil.rmtree(Path(upload.path).parent, ignore_errors=True)


def hand_to_restore(cfg: RepoConfig, repo: Repository, info: SnapshotInfo, keys: Keys) -> None:
    """Export the snapshot and make it the file the Restore page works on (same checks, plan and confirmation)."""
    upload = export(cfg, repo, info, keys, progress=Bars(info.total))
    drop_handed()
    st.session_state[HANDED] = {"upload": upload, "repository": cfg.name, "id": info.id, "time": info.time}


def handed() -> dict[str, Any] | None:
    found = st.session_state.get(HANDED)
    return found if found and Path(found["upload"].path).exists() else None


def drop_handed() -> None:
    found = st.session_state.pop(HANDED, None)
    if found:
        discard(found["upload"])
