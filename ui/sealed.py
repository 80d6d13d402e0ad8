"""Keys on a page (an age identity file upload, a passphrase field) and the plain copy of a sealed upload.

A compressed or age-encrypted upload is decoded once into the private upload folder (ui.uploads)
and the page then works on that plain copy, as the core's readers do with their private copies:
validation, plan and restore each read it without decrypting again. The copy goes when the upload
is replaced or forgotten. Every identity and passphrase given here is noted for redaction.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import streamlit as st

from mvdb_core.errors import UsageError
from mvdb_core.keys import Keys, identities_from_text
from mvdb_core.repository import Repository, SnapshotInfo
from mvdb_core.sealing import decode_file, layer_of
from ui import errors, labels, uploads
from ui.repositories import RepoConfig, fingerprint, remember
from ui.texts import md, t
from ui.uploads import Upload


def identity_field(key: str, label: str | None = None) -> Keys | None:
    """An age identity file upload; its identities, or None (a bad file is explained on the page)."""
    uploaded = st.file_uploader(label or t("keys.identity"), key=key, help=t("keys.identity_help"))
    if uploaded is None:
        return None
    try:
        text = uploaded.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        errors.show(UsageError(f"{uploaded.name} is not a text file; give the identity file age-keygen wrote"))
        return None
    try:
        found, texts = identities_from_text(uploaded.name, text)
    except UsageError as exc:
        errors.show(exc)
        return None
    return remember(Keys(identities=found, _secret_texts=texts))


def passphrase_field(key: str, label: str | None = None) -> Keys | None:
    """A password field; the passphrase as Keys, or None while it is empty."""
    value = st.text_input(label or t("keys.passphrase"), type="password", key=key)
    return remember(Keys(passphrase=value)) if value else None


def reading_keys(repo: Repository, key: str) -> Keys | None:
    """What reading this repository needs, asked for on the page; None until it is given."""
    if repo.encryption == "age":
        return identity_field(f"{key}_identity", t("keys.repo_identity"))
    if repo.encryption == "passphrase":
        return passphrase_field(f"{key}_passphrase", t("keys.repo_passphrase"))
    return Keys()


def pick_snapshot(configs: list[RepoConfig], key: str) -> tuple[RepoConfig, Repository, SnapshotInfo, Keys] | None:
    """A repository, the key to read it, and one of its snapshots (newest first), picked on the page.

    None, with a word on the page, while the key is missing, the repository holds no snapshot or
    cannot be read. Widgets: KEY (repository), KEY's key fields, KEY_snapshot.
    """
    names = [c.name for c in configs]
    cfg = configs[names.index(st.selectbox(t("repo.pick"), names, key=key))]
    with errors.guard(stop=False):
        repo = cfg.open()
        keys = reading_keys(repo, key)
        if keys is None:
            st.caption(t("repo.key_needed"))
            return None
        by_id = {s.id: s for s in reversed(repo.snapshots(keys))}
        if not by_id:
            st.caption(t("repo.empty"))
            return None
        picked = st.selectbox(t("repo.snapshot"), list(by_id), format_func=lambda i: labels.snapshot(by_id[i]),
                              key=f"{key}_snapshot")
        return cfg, repo, by_id[picked], keys
    return None


def writing_keys(repo: Repository, key: str) -> Keys | None:
    """What writing a snapshot needs: only a passphrase repository asks for anything (age needs no secret)."""
    if repo.encryption == "passphrase":
        return passphrase_field(f"{key}_passphrase", t("keys.repo_passphrase"))
    return Keys()


def _outer(upload: Upload) -> tuple[str | None, bool]:
    """The upload's outermost layer, and whether age encrypted it with a passphrase (scrypt)."""
    with open(upload.path, "rb") as f:
        head = f.read(4096)
    layer = layer_of(head[:64])
    return layer, layer == "age" and b"\n-> scrypt " in head


def plain_upload(upload: Upload, key: str) -> Upload | None:
    """The upload itself when it is plain; else its decoded copy, asking for the key an encrypted one needs.

    None (with a message on the page) while a key is missing or does not open the file.
    """
    layer, by_passphrase = _outer(upload)
    if layer is None:
        return upload
    keys = Keys()
    if layer == "age":
        st.info(t("keys.encrypted_passphrase" if by_passphrase else "keys.encrypted_identity",
                  file=md(upload.name)), icon="🔐")
        given = passphrase_field(f"{key}_passphrase") if by_passphrase else identity_field(f"{key}_identity")
        if given is None:
            return None
        keys = given
    wanted = (upload.file_id, fingerprint(keys))
    kept = st.session_state.get(uploads.DECODED_KEY)
    if kept and kept["for"] == wanted and Path(kept["upload"].path).exists():
        return kept["upload"]
    uploads.forget_decoded()
    work = Path(tempfile.mkdtemp(prefix="plain-", dir=uploads.folder()))
    try:
        with st.spinner(t("keys.decoding")):
            path = decode_file(Path(upload.path), keys, work)
    except Exception as exc:  # a wrong key or a damaged file: explained, nothing kept
        shutil.rmtree(work, ignore_errors=True)
        errors.show(exc, headline=f"**{t('keys.cannot_open', file=md(upload.name))}**")
        return None
    plain = Upload(upload.file_id, upload.name, str(path), path.stat().st_size)
    st.session_state[uploads.DECODED_KEY] = {"for": wanted, "upload": plain}
    return plain

