"""Scheduled jobs end to end: `job run` over simulated days, history, alerts to a real local HTTP server,
the job lock between real processes, and the schedule units parsed and executed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, cli, demo_store
from test_alerts import Recorder
from test_repository import edit, ok

from mvdb_core.repository import Repository, leaf_object

UUID = "0b7f6c1e-9a55-4c41-8d1e-1f5b2d6f9a10"


pytestmark = pytest.mark.usefixtures("state_dir")  # writer keys in a scratch folder


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.stop()


def job_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "job.toml"
    path.write_text(body)
    return path


def basic(source: str, repo: Path, hooks: str, identity: str = "", extra: str = "") -> str:
    return f"""
[job]
name = "nightly"
store = "${{MVDB_TEST_STORE}}"
repository = "{repo}"
tags = ["nightly"]
interval = "1d"
{f'identity = "{identity}"' if identity else ""}

[retention]
keep-daily = 2
prune = true

[check]
read-data-subset = 100

[drill]
every = "7d"
max-drop = 50

[alerts]
healthchecks = "{hooks}/ping/{UUID}"
webhook = "{hooks}/hook?token=SECRET-TOKEN"
{extra}
"""


def run_job(config: Path, when: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return cli("job", "run", "--config", str(config), "--time", when, "--json", env=env)


def test_job_runs_over_days_forgets_checks_drills_and_alerts_on_damage_and_missed_backups(
        tmp_path, identity, recorder):
    key_file, public = identity
    source = demo_store(tmp_path, 2000, 3)
    repo = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo), "--recipient", public))
    config = job_config(tmp_path, basic(source, repo, recorder.url, key_file))
    env = {"MVDB_TEST_STORE": source}

    records = []
    for day in range(1, 5):
        edit(source, {f"movie:day{day}": {"titleEn": f"Day {day}"}})
        result = run_job(config, f"2026-11-0{day}T03:17:00Z", env)
        assert result.returncode == 0, result.stdout + result.stderr
        records.append(json.loads(result.stdout))
    assert [r["status"] for r in records] == ["ok"] * 4
    steps = {s["step"]: s for s in records[0]["steps"]}
    assert list(steps) == ["snapshot", "forget", "check", "drill"]
    assert steps["drill"]["result"] == "ok" and steps["drill"]["report"]["rows"] == records[0]["rows"]
    assert {s["step"]: s["result"] for s in records[1]["steps"]}["drill"] == "skipped"  # due again after 7 days
    assert records[3]["rows"] == records[0]["rows"] + 3
    snaps = Repository(str(repo)).snapshots()
    assert [s.time[:10] for s in snaps] == ["2026-11-03", "2026-11-04"]  # keep-daily 2
    assert all("job:nightly" in s.tags and "nightly" in s.tags for s in snaps)
    paths = [r.path for r in recorder.requests]
    assert paths.count(f"/ping/{UUID}/start") == 4 and paths.count(f"/ping/{UUID}") == 4
    assert not [p for p in paths if p.startswith("/hook")]  # nothing to report: no webhook on success

    # One leaf of the latest snapshot damaged in the repository: the next run's check fails and says so.
    leaf = sorted(snaps[-1].leaves)[0]
    path = repo / leaf_object(leaf)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x55
    path.write_bytes(bytes(data))
    recorder.requests.clear()
    failed = run_job(config, "2026-11-05T03:17:00Z", env)
    assert failed.returncode == 1
    record = json.loads(failed.stdout)
    assert record["status"] == "failed" and record["error"].startswith("check: ")
    assert leaf in record["error"]
    hook = next(r for r in recorder.requests if r.path.startswith("/hook"))
    body = hook.json()
    assert body["event"] == "failed" and body["job"] == "nightly" and leaf in json.dumps(body["steps"])
    fail_ping = next(r for r in recorder.requests if r.path == f"/ping/{UUID}/fail")
    assert leaf[:12].encode() in fail_ping.body
    assert b"SECRET-TOKEN" not in fail_ping.body and "SECRET-TOKEN" not in json.dumps(body)

    # Three days without a run: the next (successful) run reports the missed backups, and alerts.
    shutil.copyfile(repo / leaf_object(leaf), tmp_path / "spare")
    path.unlink()  # the damaged leaf goes; the next snapshot writes it again
    recorder.requests.clear()
    late = run_job(config, "2026-11-09T03:17:00Z", env)
    record = json.loads(late.stdout)
    assert record["warnings"] and "no successful backup since 2026-11-05T03:17:00.000Z" in record["warnings"][0]
    warned = next(r for r in recorder.requests if r.path.startswith("/hook")).json()
    assert warned["event"] in ("warning", "failed") and "no successful backup" in json.dumps(warned["warnings"])

    history = json.loads(ok(cli("job", "history", "--config", str(config), "--json", env=env)).stdout)
    assert [r["status"] for r in history["runs"]][:5] == ["ok", "ok", "ok", "ok", "failed"]
    assert len(history["runs"]) == 6 and history["runs"][4]["error"].startswith("check: ")
    text = ok(cli("job", "history", "--config", str(config), "--time", "2026-11-20T00:00:00Z", env=env))
    assert "failed" in text.stdout and "no successful backup since" in text.stderr


SLOW_JOB = (
    "import sys, time\n"
    "from mvdb_core.object_store import FolderStore\n"
    "put = FolderStore.put\n"
    "def slow(self, name, data):\n"
    "    if name.startswith('snapshots/'):\n"
    "        open(sys.argv[1], 'w').write('running')\n"
    "        time.sleep(120)\n"
    "    put(self, name, data)\n"
    "FolderStore.put = slow\n"
    "from mvdb_core.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def test_two_job_runs_never_overlap_and_a_killed_runs_lock_does_not_block_the_next(tmp_path, recorder):
    source = demo_store(tmp_path, 500, 4)
    repo = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo), "--no-encryption"))
    config = job_config(tmp_path, basic(source, repo, recorder.url))
    env = {**os.environ, "MVDB_TEST_STORE": source, "PYTHONPATH": str(ROOT)}
    marker = tmp_path / "marker"
    first = subprocess.Popen([sys.executable, "-c", SLOW_JOB, str(marker), "job", "run", "--config", str(config)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        second = cli("job", "run", "--config", str(config), env={"MVDB_TEST_STORE": source})
        assert second.returncode == 1
        assert "busy: a job run on" in second.stderr and f"(pid {first.pid})" in second.stderr
        assert second.stderr.count("\n") == 1  # one line, no traceback
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    third = cli("job", "run", "--config", str(config), "--json", env={"MVDB_TEST_STORE": source})
    assert third.returncode == 0, third.stderr
    history = json.loads(ok(cli("job", "history", "--config", str(config), "--json",
                                env={"MVDB_TEST_STORE": source})).stdout)
    assert [r["status"] for r in history["runs"]] == ["ok"]  # the killed run recorded nothing
    assert not list((repo / "locks").iterdir())


JOB = "[job]\nname='x'\nstore='sqlite:///a.db'\nrepository='r'\n"


@pytest.mark.parametrize("body, message", [
    ("[job]\nname='x'\nstore='sqlite:///a.db'\n", "[job] repository is missing"),
    ("[job]\nname='x'\nstore='${MVDB_NOT_SET}'\nrepository='r'\n", "${MVDB_NOT_SET}, which is not set"),
    (JOB + "interval='daily'\n", "interval = 'daily' is not a period"),
    (JOB + "[retention]\nkeep-dayly=3\n", "unknown key 'keep-dayly'"),
    (JOB + "[alerts]\nwebhook='ftp://h/x'\n", "webhook"),
    (JOB + "[drill]\nmax-drop=0\n", "max-drop"),
    ("[job\n", "not valid TOML"),
])
def test_a_bad_job_config_is_one_line_exit_2_and_nothing_runs(tmp_path, body, message):
    config = job_config(tmp_path, body)
    result = cli("job", "run", "--config", str(config))
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "r").exists()


def test_the_example_config_loads(monkeypatch, tmp_path):
    from mvdb_core.jobs import load_config

    monkeypatch.setenv("MVDB_STORE_URL", f"sqlite://{tmp_path}/s.db")
    monkeypatch.setenv("MVDB_REPOSITORY", str(tmp_path / "repo"))
    config = load_config(ROOT / "examples" / "mvdb-job.toml")
    assert config.name == "mvdb-nightly" and config.retention.daily == 7 and config.drill_every.days == 7


def test_schedules_are_valid_and_their_commands_run_the_job(tmp_path, recorder):
    source = demo_store(tmp_path, 300, 6)
    repo = tmp_path / "repo"
    ok(cli("init", "--repo", str(repo), "--no-encryption"))
    config = job_config(tmp_path, basic(source, repo, recorder.url).replace('interval = "1d"', 'interval = "6h"'))
    env_file = tmp_path / "job.env"
    env_file.write_text(f"MVDB_TEST_STORE={source}\n")
    base_env = {**os.environ, "PYTHONPATH": str(ROOT), "MVDB_TEST_STORE": source}

    def unit(kind: str) -> str:
        return ok(cli("job", "schedule", "--config", str(config), "--kind", kind, "--workdir", str(tmp_path),
                      "--env-file", str(env_file), env={"MVDB_TEST_STORE": source})).stdout

    cron = [line for line in unit("cron").splitlines() if line and not line.startswith("#")]
    assert len(cron) == 1
    fields = cron[0].split(" ", 5)
    assert fields[:5] == ["17", "3-23/6", "*", "*", "*"]
    clean_env = {k: v for k, v in base_env.items() if k != "MVDB_TEST_STORE"}
    subprocess.run(["sh", "-c", fields[5]], env=clean_env, check=True, timeout=120)  # secrets from the env file

    systemd = unit("systemd")
    service, timer = systemd.split("# --- /etc/systemd/system/mvdb-job-nightly.timer ---\n")
    assert "OnCalendar=*-*-* 03/6:17:00 UTC" in timer and "Persistent=true" in timer
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    subprocess.run(shlex.split(exec_start.removeprefix("ExecStart=")), env=base_env, cwd=tmp_path, check=True,
                   timeout=120)
    if shutil.which("systemd-analyze"):
        units = tmp_path / "units"
        units.mkdir()
        (units / "mvdb-job-nightly.service").write_text(service)
        (units / "mvdb-job-nightly.timer").write_text(timer)
        verify = subprocess.run(["systemd-analyze", "verify", str(units / "mvdb-job-nightly.service"),
                                 str(units / "mvdb-job-nightly.timer")], capture_output=True, text=True)
        problems = [line for line in verify.stderr.splitlines() if "mvdb-job-nightly" in line]
        assert verify.returncode == 0 and not problems, verify.stderr

    workflow = yaml.safe_load(unit("github-actions"))
    assert workflow[True]["schedule"] == [{"cron": "17 3-23/6 * * *"}]  # YAML reads the key `on` as True
    assert workflow["concurrency"]["cancel-in-progress"] is False
    step = workflow["jobs"]["backup"]["steps"][-1]
    assert step["env"]["MVDB_TEST_STORE"] == "${{ secrets.MVDB_TEST_STORE }}"
    assert "MVDB_REPOSITORY_KEY" in step["env"]
    secrets = {"MVDB_TEST_STORE": source, "MVDB_REPOSITORY_KEY": "ab" * 32}
    step_env = {**clean_env, **{k: secrets.get(k, "") for k in step["env"]}}
    subprocess.run(["bash", "-e", "-c", step["run"]], env=step_env, cwd=tmp_path, check=True, timeout=120)
    runs = json.loads(ok(cli("job", "history", "--config", str(config), "--json",
                             env={"MVDB_TEST_STORE": source})).stdout)["runs"]
    assert [r["status"] for r in runs] == ["ok", "ok", "ok"]


def test_a_repository_that_cannot_be_opened_is_a_failed_run_that_alerts(tmp_path, recorder):
    source = demo_store(tmp_path, 50, 2)
    config = job_config(tmp_path, basic(source, tmp_path / "no-repo-here", recorder.url))
    result = cli("job", "run", "--config", str(config), "--json", env={"MVDB_TEST_STORE": source})
    assert result.returncode == 1
    record = json.loads(result.stdout)
    assert record["status"] == "failed" and record["error"].startswith("repository: no repository at")
    hook = next(r for r in recorder.requests if r.path.startswith("/hook")).json()
    assert hook["event"] == "failed" and "no repository at" in json.dumps(hook)
    assert any(r.path == f"/ping/{UUID}/fail" for r in recorder.requests)
    assert not (tmp_path / "no-repo-here").exists()
