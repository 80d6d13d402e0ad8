"""Dashboard, Jobs page and the backup banner (AppTest), over a real folder repository, SQLite store and job config.

The runs are made as a scheduler makes them (`job run --config ... --time ...` in its own process); the
page reads what they recorded in the repository.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from dashboard_support import all_text, make_dash, open_page, plain
from helpers import cli, demo_store
from test_alerts import Recorder
from test_repository import edit, ok

from mvdb_core.locks import hold
from mvdb_core.repository import Repository
from ui import jobs
from ui.i18n import TEXTS

TOKEN = "SECRET-TOKEN-of-the-webhook"


@pytest.fixture
def dash(tmp_path, monkeypatch):
    monkeypatch.setenv("MVDB_STATE_DIR", str(tmp_path / "state"))
    for name in ("MVDB_JOB_CONFIG", "MVDB_REPOSITORY", "MVDB_AGE_IDENTITY", "MVDB_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    yield from make_dash(tmp_path, monkeypatch)


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.stop()


class Job:
    """A real job: a SQLite store with demo rows, an unencrypted folder repository, a TOML config."""

    def __init__(self, folder: Path, hooks: str, monkeypatch) -> None:
        self.source = demo_store(folder, 300, 5)
        self.repo = folder / "repo"
        ok(cli("init", "--repo", str(self.repo), "--no-encryption"))
        self.config = folder / "mvdb-job.toml"
        self.config.write_text(f"""
[job]
name = "nightly"
store = "${{MVDB_TEST_STORE}}"
repository = "{self.repo}"
tags = ["nightly"]
interval = "1d"

[retention]
keep-last = 2
keep-tag = ["pinned"]

[check]
read-data-subset = 100

[drill]
every = "7d"

[alerts]
webhook = "{hooks}/hook?token={TOKEN}"
""")
        self.env = {"MVDB_TEST_STORE": self.source}
        monkeypatch.setenv("MVDB_TEST_STORE", self.source)  # the dashboard reads the same config

    def run(self, when: datetime, store: str | None = None) -> dict:
        """One `job run` as the scheduler starts it, recorded as of `when`."""
        env = {"MVDB_TEST_STORE": store or self.source}
        result = cli("job", "run", "--config", str(self.config), "--time", iso(when), "--json", env=env)
        assert result.returncode in (0, 1), result.stderr
        return json.loads(result.stdout)


def iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def shown(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def page_text(at) -> str:
    """Everything on the page a person could read or copy: texts, tables' cells, code blocks."""
    cells = [df.value.to_csv() for df in at.dataframe]
    return "\n".join([plain(all_text(at)), *cells, *(str(c.value) for c in at.code)])


def banners(at) -> str:
    """The job's banners (other warnings, e.g. about the open mode, are not about the job)."""
    found = [str(e.value) for e in [*at.error, *at.warning]]
    return plain("\n".join(text for text in found if "job" in text.lower())).replace("**", "")


@pytest.fixture
def job(tmp_path, recorder, monkeypatch):
    made = Job(tmp_path, recorder.url, monkeypatch)
    monkeypatch.setenv("MVDB_JOB_CONFIG", str(made.config))
    return made


def test_jobs_page_history_checks_retention_run_now_and_schedules(dash, job, recorder):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    times = [now - timedelta(days=2), now - timedelta(days=1), now - timedelta(hours=1)]
    records = []
    for day, when in enumerate(times):
        edit(job.source, {f"movie:job{day}": {"titleEn": f"Day {day}"}})
        records.append(job.run(when))
    assert [r["status"] for r in records] == ["ok"] * 3
    # Two snapshots outside the job: a pinned one (kept by its tag) and an old one the policy removes.
    for tag, age in (("pinned", 3), ("adhoc", 4)):
        ok(cli("snapshot", "--store", job.source, "--repo", str(job.repo), "--tag", tag,
               "--time", iso(now - timedelta(days=age))))

    at = open_page(dash.run(), "jobs")
    text = page_text(at)
    assert not banners(at) and not at.error  # all is well: no banner
    assert "nightly" in text and str(job.repo) in text and "every 1 day at 03:17 UTC" in text

    history = at.dataframe[0].value
    assert list(history["Started (UTC)"]) == [shown(w) for w in reversed(times)]  # newest first
    assert list(history["Status"]) == ["✅ ok"] * 3
    assert list(history["Rows"]) == [f"{r['rows']:,}" for r in reversed(records)]
    assert list(history["Drill"]) == ["⏭️", "⏭️", "✅"]  # due again after 7 days
    assert list(history["Check"]) == ["✅"] * 3
    assert "✅ ok · ❌ failed · ⏭️ skipped" in text

    # The last check and the last drill (the first run's: its report's rows).
    assert f"{records[-1]['steps'][2]['leaves']:,} parts in the repository" in text
    assert f"restored into a throwaway store and checked: {records[0]['rows']:,} rows" in text

    # The retention preview: what forget would keep and why, what it would remove.
    kept, removed = at.dataframe[1].value, at.dataframe[2].value
    assert list(kept["Kept because"]) == ["last snapshot", "last snapshot", "has tags [pinned]"]
    assert list(kept["Tags"])[2] == "pinned"
    assert list(removed["Tags"]) == ["adhoc"] and list(removed["Time (UTC)"]) == [shown(now - timedelta(days=4))]
    assert "Snapshots removed: 1" in text and "Prune would then delete" in text

    # The schedules, for this Python and folder.
    codes = {c.language: str(c.value) for c in at.code}
    cron = [line for line in codes["bash"].splitlines() if not line.startswith("#")]
    assert len(cron) == 1 and cron[0].startswith("17 3 * * * cd ")
    assert f"-m mvdb_core job run --config {job.config}" in cron[0]
    assert "OnCalendar=*-*-* 03:17:00 UTC" in codes["ini"]
    assert 'cron: "17 3 * * *"' in codes["yaml"] and "--config mvdb-job.toml" in codes["yaml"]

    # Run now: a fourth run, in the history at once (the cached read is dropped).
    at.button(key="jobs_run_now").click()
    at = dash.run(at)
    text = page_text(at)
    assert "finished: all steps passed" in text
    assert any("nightly: ok in" in str(c.value) for c in at.code)  # the run's log
    history = at.dataframe[0].value
    assert len(history) == 4 and list(history["Status"]) == ["✅ ok"] * 4
    assert len(Repository(str(job.repo)).snapshots()) == 3  # the run forgot the removed one
    assert TOKEN not in text and TOKEN not in page_text(at)


def test_banner_on_other_pages_when_backups_are_late(dash, job):
    when = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=3, hours=2)
    job.run(when - timedelta(days=1))
    job.run(when)
    at = dash.run()  # the Backup page
    assert at.title[0].value.endswith("Backup")
    warning = banners(at)
    assert f"Backups are late: job nightly has made no successful backup since {shown(when)} UTC" in warning
    assert "(3.1 days ago); it should run every 1 day" in warning
    assert not at.error  # late, not failed
    at = open_page(at, "statistics")
    assert "Backups are late" in banners(at) and at.title[0].value.endswith("Statistics")


def test_banner_names_the_failing_step_of_the_last_run_and_shows_no_secret(dash, job, recorder, tmp_path):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    job.run(now - timedelta(hours=5))
    recorder.answer(404)  # the failure alert is not delivered either: its problem is recorded with the run
    failed = job.run(now - timedelta(hours=1), store=f"sqlite://{tmp_path}/missing/gone.sqlite3")
    assert failed["status"] == "failed" and failed["error"].startswith("snapshot: ")
    assert failed["alert_problems"]

    at = dash.run()
    assert at.title[0].value.endswith("Backup")  # the page is still there under the banner
    error = banners(at)
    assert "The last backup run failed: job nightly" in error and "at the Snapshot step" in error
    assert "gone.sqlite3" in error
    assert "Backups are late" not in error  # a successful backup 5 hours ago: not late

    at = open_page(at, "jobs")
    history = at.dataframe[0].value
    assert list(history["Status"]) == ["❌ failed", "✅ ok"]
    assert list(history["Snapshot"]) == ["❌", "✅"]
    assert list(history["Rows"])[0] == "—" and list(history["Forget"])[0] == "⏭️"
    assert "gone.sqlite3" in history["Error, warnings"][0]
    assert "alert not delivered: webhook: HTTP 404" in history["Error, warnings"][0]
    assert TOKEN not in page_text(at)


def test_run_now_while_a_run_is_in_progress_says_so(dash, job):
    job.run(datetime.now(timezone.utc) - timedelta(hours=2))
    at = open_page(dash.run(), "jobs")
    with hold(Repository(str(job.repo)).objects, "job"):
        at.button(key="jobs_run_now").click()
        at = dash.run(at)
    text = plain(all_text(at))
    assert "The job is running elsewhere right now, so nothing was started" in text
    assert "busy: a job run on" in text
    assert len(at.dataframe[0].value) == 1  # nothing was recorded


def test_indonesian_page_and_banner(dash, job):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    job.run(now - timedelta(days=4))
    at = dash.app()
    at.session_state["lang"] = "id"
    at = open_page(dash.run(at), "jobs")
    text = page_text(at)
    assert "Backup terlambat: job nightly belum membuat backup yang berhasil sejak" in banners(at)
    assert "setiap 1 hari pukul 03:17 UTC" in text
    kept = at.dataframe[1].value
    assert list(kept["Disimpan karena"]) == ["snapshot terakhir"]
    assert list(at.dataframe[0].value["Status"]) == ["✅ berhasil"]


def test_no_job_configured_says_how_and_no_banner(dash):
    at = dash.run()
    assert not banners(at) and not at.error
    at = open_page(at, "jobs")
    text = plain(all_text(at))
    assert "No backup job is configured" in text and "examples/mvdb-job.toml" in text and "docs/jobs.md" in text
    assert "MVDB_JOB_CONFIG" in text and any("[jobs]" in str(c.value) for c in at.code)


def test_job_from_secrets_toml(dash, job, monkeypatch):
    monkeypatch.delenv("MVDB_JOB_CONFIG")
    job.run(datetime.now(timezone.utc) - timedelta(hours=1))
    at = dash.app()
    at.secrets["jobs"] = {"config": str(job.config)}
    at = open_page(dash.run(at), "jobs")
    assert len(at.dataframe[0].value) == 1


def test_a_broken_config_or_an_unreadable_repository_is_one_line_and_hides_no_page(dash, job, tmp_path,
                                                                                    monkeypatch):
    broken = tmp_path / "broken.toml"
    broken.write_text(job.config.read_text().replace('interval = "1d"', 'interval = "daily"'))
    monkeypatch.setenv("MVDB_JOB_CONFIG", str(broken))
    at = dash.run()
    assert at.title[0].value.endswith("Backup")
    assert "interval = 'daily' is not a period" in banners(at) and "\n" not in banners(at)
    at = open_page(at, "jobs")
    assert "The job config cannot be used" in plain(all_text(at))

    # A repository that is not there: one line on every page; the Jobs page still offers the schedules.
    gone = tmp_path / "elsewhere.toml"
    gone.write_text(job.config.read_text().replace(str(job.repo), str(tmp_path / "no-such-repo")))
    monkeypatch.setenv("MVDB_JOB_CONFIG", str(gone))
    at = dash.run(at)
    lines = banners(at)
    assert "The backup job's history cannot be read" in lines and "\n" not in lines.strip()
    assert TOKEN not in page_text(at)
    assert at.code and "cannot be read from the repository" in plain(all_text(at))
    at = open_page(at, "backup")
    assert at.title[0].value.endswith("Backup") and banners(at).count("\n") == 0


def test_words_for_periods_and_reasons():
    from ui.i18n import Translator

    assert {k for k in TEXTS["en"] if k.startswith("jobs.")} == {k for k in TEXTS["id"] if k.startswith("jobs.")}
    for key in (*jobs._RESULTS.values(), *jobs._STEP_NAMES.values(), *jobs._BUCKETS.values(),
                *(k for _, one, many in jobs._UNITS for k in (one, many))):
        assert key in TEXTS["en"], key
    assert Translator("en")("jobs.days_many", n=2) == "2 days"
    assert jobs.config_path({"MVDB_JOB_CONFIG": " /a.toml "}, {"jobs": {"config": "/b.toml"}}) == "/a.toml"
    assert jobs.config_path({}, {"jobs": {"config": "/b.toml"}}) == "/b.toml"
    assert jobs.config_path({}, {"jobs": "x"}) is None and jobs.config_path({}, None) is None
