"""Compressed and age-encrypted backup files, checked against the real `age` and `zstd` programs."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess

import pytest
from helpers import cli, demo_store, dump

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.stores import open_store

AGE = shutil.which("age")
needs_tools = pytest.mark.skipif(  # under CI they must run: .ci/run installs them
    not (AGE and shutil.which("zstd") and shutil.which("age-keygen")) and os.environ.get("CI") != "true",
    reason="the age and zstd programs are not installed (apt-get install age zstd)",
)


@pytest.fixture
def source(tmp_path) -> str:
    return demo_store(tmp_path, 1500, 3)



def plain_sha(source: str, tmp_path) -> str:
    with open_store(source) as store:
        return backup(store, tmp_path / "plain.json").metadata["sha256"]


@needs_tools
def test_a_compressed_encrypted_backup_is_plain_3_0_0_text_inside_for_age_and_zstd(source, identity, tmp_path):
    key_file, public = identity
    made = cli("backup", "--store", source, "--compress", "zstd", "--recipient", public, "--out", str(tmp_path) + "/")
    assert made.returncode == 0, made.stderr
    [sealed] = tmp_path.glob("*.json.zst.age")
    assert sealed.read_bytes().startswith(b"age-encryption.org/v1\n")
    plain = tmp_path / "from-programs.json"
    subprocess.run(f"age -d -i {key_file} {sealed} | zstd -d -q -o {plain}", shell=True, check=True)
    checked = cli("verify", str(plain))
    assert checked.returncode == 0, checked.stderr
    assert BackupFile(plain).metadata["sha256"] == plain_sha(source, tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no hidden partial file left


@needs_tools
def test_our_readers_open_what_the_age_zstd_and_gzip_programs_made(source, identity, tmp_path):
    key_file, public = identity
    with open_store(source) as store:
        plain = backup(store, tmp_path / "b.json").path
    subprocess.run(["zstd", "-q", str(plain), "-o", str(tmp_path / "b.json.zst")], check=True)
    subprocess.run(["age", "-r", public, "-o", str(tmp_path / "b.json.zst.age"), str(tmp_path / "b.json.zst")],
                   check=True)
    with open(plain, "rb") as src, gzip.open(tmp_path / "b.json.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    for name in ("b.json.zst", "b.json.gz"):
        stats = cli("stats", str(tmp_path / name), "--json")
        assert stats.returncode == 0, stats.stderr
        assert '"total":' in stats.stdout
    target = f"sqlite://{tmp_path}/target.sqlite3"
    restored = cli("restore", str(tmp_path / "b.json.zst.age"), "--identity", key_file, "--store", target, "--yes")
    assert restored.returncode == 0, restored.stderr
    assert dump(target) == dump(source)


@needs_tools
def test_a_missing_or_wrong_identity_is_one_line_exit_2_and_nothing_is_written(source, identity, tmp_path):
    _, public = identity
    made = cli("backup", "--store", source, "--recipient", public, "--out", str(tmp_path / "b.json.age"))
    assert made.returncode == 0, made.stderr
    target = f"sqlite://{tmp_path}/target.sqlite3"
    missing = cli("restore", str(tmp_path / "b.json.age"), "--store", target, "--yes")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "--identity" in missing.stderr
    other = tmp_path / "other.txt"
    subprocess.run(["age-keygen", "-o", str(other)], capture_output=True, check=True)
    wrong = cli("restore", str(tmp_path / "b.json.age"), "--store", target, "--yes", "--identity", str(other))
    assert wrong.returncode == 2
    assert "none of the given age identities" in wrong.stderr and "Traceback" not in wrong.stderr
    assert dump(target) == {}


def test_a_passphrase_file_opens_with_the_passphrase_only_and_never_shows_it(source, tmp_path):
    secret = "correct horse battery staple 7"
    env = {"MVDB_PASSPHRASE": secret}
    made = cli("backup", "--store", source, "--compress", "gzip", "--passphrase", "--out", str(tmp_path) + "/",
               env=env)
    assert made.returncode == 0, made.stderr
    [sealed] = tmp_path.glob("*.json.gz.age")
    assert secret.encode() not in sealed.read_bytes()
    assert cli("verify", str(sealed), env=env).returncode == 0
    wrong = cli("verify", str(sealed), env={"MVDB_PASSPHRASE": "not it"})
    assert wrong.returncode == 2 and "passphrase does not decrypt" in wrong.stderr
    none = cli("verify", str(sealed), env={"MVDB_PASSPHRASE": ""})
    assert none.returncode == 2 and "MVDB_PASSPHRASE" in none.stderr
    for run in (made, wrong, none):
        assert secret not in run.stdout + run.stderr


def test_a_passphrase_is_never_a_command_line_value(source, tmp_path):
    run = cli("backup", "--store", source, "--passphrase", "hunter2", "--out", str(tmp_path) + "/")
    assert run.returncode == 2  # argparse: "hunter2" is no option of ours
    assert not list(tmp_path.glob("*.json*"))


def test_a_truncated_compressed_file_is_refused_before_anything_is_written(source, tmp_path):
    with open_store(source) as store:
        made = backup(store, tmp_path / "b.json.zst", compression="zstd").path
    data = made.read_bytes()
    cut = tmp_path / "cut.json.zst"
    cut.write_bytes(data[: len(data) // 2])
    target = f"sqlite://{tmp_path}/target.sqlite3"
    run = cli("restore", str(cut), "--store", target, "--yes")
    assert run.returncode == 2
    assert "damaged or truncated" in run.stderr and run.stderr.count("\n") == 1
    assert dump(target) == {}


def test_a_bad_recipient_is_refused_before_the_store_is_read(source, tmp_path):
    run = cli("backup", "--store", source, "--recipient", "age1notakey", "--out", str(tmp_path) + "/")
    assert run.returncode == 2 and "not an age public key" in run.stderr
    assert not list(tmp_path.glob("*.json*")) and not list(tmp_path.glob(".*"))


@needs_tools
def test_the_identity_in_the_environment_is_read_whole_and_never_printed(source, identity, tmp_path):
    key_file, public = identity
    made = cli("backup", "--store", source, "--recipient", public, "--out", str(tmp_path / "b.json.age"))
    assert made.returncode == 0, made.stderr
    whole = open(key_file).read()  # with its "# created:" comment lines
    assert cli("verify", str(tmp_path / "b.json.age"), env={"MVDB_AGE_IDENTITY": whole}).returncode == 0
    secret = [line for line in whole.splitlines() if line.startswith("AGE-SECRET-KEY-1")][0]
    wrong = cli("verify", str(tmp_path / "b.json.age"), env={"MVDB_AGE_IDENTITY": secret[:-3] + "\n# x"})
    assert wrong.returncode == 2 and secret[:20] not in wrong.stderr


@needs_tools
def test_a_truncated_age_file_is_an_invalid_file_exit_2(source, identity, tmp_path):
    key_file, public = identity
    with open_store(source) as store:
        plain = backup(store, tmp_path / "b.json").path
    subprocess.run(["age", "-r", public, "-o", str(tmp_path / "b.json.age"), str(plain)], check=True)
    data = (tmp_path / "b.json.age").read_bytes()
    (tmp_path / "cut.json.age").write_bytes(data[: len(data) // 2])
    run = cli("verify", str(tmp_path / "cut.json.age"), "--identity", key_file)
    assert run.returncode == 2 and "damaged or truncated" in run.stderr
