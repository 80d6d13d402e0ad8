"""The scheduled backup job the dashboard watches: where its config is, its cached history, the banner.

The job runs elsewhere (cron, a systemd timer, GitHub Actions: docs/jobs.md) and records every run
in its repository; the dashboard only reads that record. Its config is `MVDB_JOB_CONFIG` (a path)
or, in `.streamlit/secrets.toml`:

    [jobs]
    config = "/etc/mvdb/mvdb-job.toml"

Every page shows a banner when backups are late or the last run failed (`banner`). The history is
read at most once a minute per config (`st.cache_data`), so pages stay fast; a config or repository
that cannot be read is one short line, never a traceback, and never hides the page. Texts from the
core (errors, details) are redacted with the config's secrets before they are cached or shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core.errors import MvdbError
from mvdb_core.jobs import JobConfig, Run, history, load_config, missed_warning, open_repository
from mvdb_core.maintenance import forget
from mvdb_core.redaction import redact
from mvdb_core.retention import UNLIMITED, Policy
from ui import labels
from ui.connections import all_secrets, read_secrets
from ui.texts import md, t, tr

ENV = "MVDB_JOB_CONFIG"
TTL = 60  # seconds a read history (and retention preview) is reused
STEPS = ("snapshot", "forget", "check", "drill")
LINE_LIMIT = 240  # characters of a core message in the one-line banner
_AWS_SECRETS = ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN")

# Text keys named by data (no `prefix + name`: every key is spelled out, so the tests find them).
_RESULTS = {"ok": "jobs.result_ok", "failed": "jobs.result_failed", "skipped": "jobs.result_skipped"}
_STEP_NAMES = {"snapshot": "jobs.step_snapshot", "forget": "jobs.step_forget", "check": "jobs.step_check",
               "drill": "jobs.step_drill"}
_BUCKETS = {"last": "jobs.bucket_last", "hourly": "jobs.bucket_hourly", "daily": "jobs.bucket_daily",
            "weekly": "jobs.bucket_weekly", "monthly": "jobs.bucket_monthly", "yearly": "jobs.bucket_yearly"}
_UNITS = (("weeks", "jobs.weeks_one", "jobs.weeks_many"), ("days", "jobs.days_one", "jobs.days_many"),
          ("hours", "jobs.hours_one", "jobs.hours_many"), ("minutes", "jobs.minutes_one", "jobs.minutes_many"))
_REASON = re.compile(r"^(oldest )?(last|hourly|daily|weekly|monthly|yearly) (snapshot|within (\S+))$")


# --------------------------------------------------------------------------------------------
# Where the config is, and reading it


def config_path(environ: Mapping[str, str], secrets: Mapping[str, Any] | None) -> str | None:
    """MVDB_JOB_CONFIG, else `[jobs] config` of secrets.toml; None when neither names a file."""
    if environ.get(ENV, "").strip():
        return environ[ENV].strip()
    found = (secrets or {}).get("jobs")
    if isinstance(found, Mapping) and str(found.get("config") or "").strip():
        return str(found["config"]).strip()
    return None


def configured() -> str | None:
    return config_path(os.environ, read_secrets())


def hidden(config: JobConfig | None) -> list[str]:
    """What no text on the page may show: the config's secrets, the AWS keys, every key the dashboard knows."""
    found = list(config.secrets()) if config is not None else []
    found += [os.environ[n] for n in _AWS_SECRETS if os.environ.get(n)]
    return found + all_secrets()


def clean(text: object, config: JobConfig | None) -> str:
    """A core message on one line, without any secret (URLs reduced by redact_url)."""
    return redact(" ".join(str(text).split()), hidden(config))


def short(text: str) -> str:
    return text if len(text) <= LINE_LIMIT else text[:LINE_LIMIT - 1] + "…"


@dataclass
class State:
    """The job as the dashboard sees it: its config and history, or why one of them cannot be read."""

    path: str
    config: JobConfig | None = None
    runs: list[Run] = field(default_factory=list)
    problem: str | None = None
    """One line (redacted): the config is wrong, or the repository cannot be read."""
    config_broken: bool = False


def _stamp(path: str) -> float:
    """The config file's modification time: an edited config is read afresh."""
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return 0.0


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def _history(path: str, stamp: float, _config: JobConfig) -> tuple[list[Run], str | None]:
    """The recorded runs (oldest first), or the redacted reason they cannot be read (cached too)."""
    try:
        return history(open_repository(_config), _config.name), None
    except Exception as exc:  # an unreadable repository is one line on every page, never a traceback
        return [], clean(exc, _config)


def read(path: str) -> State:
    """The job's config and (cached) history; problems are in `State.problem`, never raised."""
    state = State(path)
    try:
        state.config = load_config(path)
    except Exception as exc:  # UsageError: one line naming the key; anything else the same way
        state.problem, state.config_broken = clean(exc, None), True
        return state
    state.runs, state.problem = _history(path, _stamp(path), state.config)
    return state


def forget_cached() -> None:
    """After a run from the dashboard: read the history and the retention preview again."""
    _history.clear()
    _preview.clear()


# --------------------------------------------------------------------------------------------
# Banner


def late(state: State, now: datetime | None = None) -> str | None:
    """The banner's text when backups are late (the core's judgement, in the admin's language)."""
    config = state.config
    if config is None or not state.runs:
        return None
    now = now or datetime.now(timezone.utc)
    if missed_warning(state.runs, config, now) is None:
        return None
    good = [r for r in state.runs if r.backed_up]
    if good:
        return t("jobs.banner_late", name=md(config.name), time=when(good[-1].started),
                 ago=age(now - parse(good[-1].started)), interval=period(config.interval))
    return t("jobs.banner_never", name=md(config.name), runs=len(state.runs), time=when(state.runs[0].started))


def failed(state: State) -> str | None:
    """The banner's text when the last run failed: which step, and its error."""
    if state.config is None or not state.runs or state.runs[-1].status == "ok":
        return None
    last = state.runs[-1]
    step = next((s for s in last.steps if s.get("result") == "failed"), None)
    if step is None:
        return t("jobs.banner_failed_nostep", name=md(state.config.name), time=when(last.started))
    return t("jobs.banner_failed", name=md(state.config.name), time=when(last.started),
             step=step_name(step["step"]), error=md(short(clean(step.get("error", ""), state.config))))


def banner(current: str | None = None) -> None:
    """On every page: backups are late, or the last run failed; silent without a job or when all is well."""
    path = configured()
    if not path:
        return
    state = read(path)
    shown = False
    if state.problem:
        key = "jobs.banner_config" if state.config_broken else "jobs.banner_unreadable"
        st.warning(t(key, problem=md(short(state.problem))), icon="⚠️")
        shown = True
    if message := failed(state):
        st.error(message, icon="🚨")
        shown = True
    if message := late(state):
        st.warning(message, icon="⏰")
        shown = True
    if shown and current != "jobs":
        from ui import navigation  # navigation imports the pages, which import this module

        st.page_link(navigation.page("jobs"), label=t("jobs.banner_open"), icon="⏱️")


# --------------------------------------------------------------------------------------------
# Words and numbers for the page


def parse(started: str) -> datetime:
    return datetime.fromisoformat(started.replace("Z", "+00:00")).astimezone(timezone.utc)


def when(started: str) -> str:
    """A recorded time as the tables show it: 2026-11-05 03:17:00 (UTC, said in the headings)."""
    return started[:19].replace("T", " ")


def period(delta: timedelta) -> str:
    """An exact period in words: 1 day, 6 hours, 1 day 12 hours, 1 week."""
    minutes = int(delta.total_seconds() // 60)
    amounts = {"weeks": minutes // (7 * 1440), "days": minutes // 1440 % 7, "hours": minutes // 60 % 24,
               "minutes": minutes % 60}
    parts = [t(one if amounts[unit] == 1 else many, n=amounts[unit]) for unit, one, many in _UNITS
             if amounts[unit]]
    return " ".join(parts) or t("jobs.minutes_many", n=0)


def age(delta: timedelta) -> str:
    """A rough age, as the core's warnings say it: 3.2 days, 5.0 hours, 12 minutes."""
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        return t("jobs.age_days", n=tr().decimal(hours / 24))
    if hours >= 1:
        return t("jobs.age_hours", n=tr().decimal(hours))
    return t("jobs.age_minutes", n=tr().number(max(0, round(delta.total_seconds() / 60))))


def result(value: str | None) -> str:
    """A step's or run's result with its mark: ✅ ok, ❌ failed, ⏭️ skipped; — when there is none."""
    if not value:
        return "—"
    return t(_RESULTS[value]) if value in _RESULTS else value


def step_name(step: str) -> str:
    return t(_STEP_NAMES[step]) if step in _STEP_NAMES else step


def bucket(name: str) -> str:
    return t(_BUCKETS[name]) if name in _BUCKETS else name


def reason(text: str) -> str:
    """One of restic's reasons for keeping a snapshot ("daily snapshot", "within 7d"), in the admin's language."""
    if match := _REASON.match(text):
        oldest, name, _, duration = match.groups()
        if duration:
            key = "jobs.reason_oldest_within" if oldest else "jobs.reason_bucket_within"
            return t(key, bucket=bucket(name), duration=duration)
        return t("jobs.reason_oldest" if oldest else "jobs.reason_bucket", bucket=bucket(name))
    if text.startswith("within "):
        return t("jobs.reason_within", duration=text.removeprefix("within "))
    if text.startswith("has tags "):
        return t("jobs.reason_tags", tags=text.removeprefix("has tags "))
    return text


def policy(p: Policy) -> str:
    """The retention policy in words: "daily 7, weekly 5, within 30d"."""
    parts = []
    for name in _BUCKETS:
        count = getattr(p, name)
        if count:
            parts.append(f"{bucket(name)} {t('jobs.all') if count == UNLIMITED else tr().number(count)}")
    if p.within is not None and not p.within.zero():
        parts.append(t("jobs.reason_within", duration=str(p.within)))
    parts += [t("jobs.reason_tags", tags="[" + ", ".join(tags) + "]") for tags in p.tags]
    return ", ".join(parts) if parts else p.describe()


def seconds(value: float) -> str:
    return f"{tr().decimal(value)} s"


def mark(value: str | None) -> str:
    """A step's result as its mark only (the table's legend says what each means): ✅, ❌, ⏭️; — when none."""
    if not value:
        return "—"
    return {"ok": "✅", "failed": "❌", "skipped": "⏭️"}.get(value, value)


def history_frame(runs: list[Run], config: JobConfig) -> pd.DataFrame:
    """The runs newest first: started, status, duration, rows, size added, each step's result, error."""
    newest = list(reversed(runs))

    def notes(run: Run) -> str:
        parts = [run.error or "", *run.warnings, *(t("jobs.alert_problem", problem=p) for p in run.alert_problems)]
        return short(clean("; ".join(p for p in parts if p), config))

    frame: dict[str, Any] = {
        t("jobs.col_started"): [when(r.started) for r in newest],
        t("col.status"): [result(r.status) for r in newest],
        t("jobs.col_took"): [seconds(r.duration) for r in newest],
        t("col.rows"): [tr().number(r.rows) if r.rows is not None else "—" for r in newest],
        t("jobs.col_added"): [labels.size(r.bytes_added) if r.bytes_added is not None else "—" for r in newest],
    }
    for name in STEPS:
        frame[step_name(name)] = [mark((r.step(name) or {}).get("result")) for r in newest]
    frame[t("jobs.col_error")] = [notes(r) for r in newest]
    return pd.DataFrame(frame)


def history_table(frame: pd.DataFrame) -> None:
    """The history: step columns narrow (marks only), so the status and the error keep their room."""
    widths: dict[str, Any] = {c: st.column_config.TextColumn(width=72) for c in frame.columns[5:-1]}
    widths[frame.columns[1]] = st.column_config.TextColumn(width=105)  # "✅ berhasil" whole
    widths[frame.columns[-1]] = st.column_config.TextColumn(width="medium")  # a click shows all of a cell
    st.dataframe(frame, hide_index=True, column_config=widths,
                 height=min(35 * (len(frame) + 1) + 3, 900))
    st.caption(t("jobs.legend"))


def last_step(runs: list[Run], name: str) -> tuple[Run, dict[str, Any]] | None:
    """The newest run in which `name` really ran (ok or failed, not skipped), with that step."""
    for run in reversed(runs):
        step = run.step(name)
        if step and step.get("result") in ("ok", "failed"):
            return run, step
    return None


def check_text(step: dict[str, Any], config: JobConfig) -> str:
    """What the check step found, in words (the core's error when it failed)."""
    if step.get("result") == "failed":
        return md(clean(step.get("error", ""), config))
    return t("jobs.check_detail", leaves=int(step.get("leaves") or 0), read=int(step.get("leaves_read") or 0))


def drill_text(step: dict[str, Any], config: JobConfig) -> str:
    """What the drill restored and checked: rows, seconds, result (the problems when it failed)."""
    report = step.get("report") or {}
    if not report:
        return md(clean(step.get("error", ""), config))
    text = t("jobs.drill_detail", id=str(report.get("snapshot") or "")[:8], rows=int(report.get("rows") or 0),
             seconds=seconds(float(report.get("seconds") or 0)))
    if step.get("result") == "failed":
        text += "\n\n" + md(clean(step.get("error", ""), config))
    return text


def drill_warnings(step: dict[str, Any], config: JobConfig) -> list[str]:
    return [md(clean(w, config)) for w in (step.get("report") or {}).get("warnings") or []]


# --------------------------------------------------------------------------------------------
# Retention preview


@dataclass
class Preview:
    keep: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    """(time, short id, tags, restic's reasons) of each snapshot kept, newest first."""
    remove: list[tuple[str, str, str]] = field(default_factory=list)
    freed: int | None = None
    leaves: int | None = None
    problem: str | None = None


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def _preview(path: str, stamp: float, _config: JobConfig) -> Preview:
    try:
        decision, pruned = forget(open_repository(_config), _config.retention, dry_run=True,
                                  prune_after=_config.prune)
    except (MvdbError, OSError) as exc:
        return Preview(problem=clean(exc, _config))
    return Preview(
        keep=[(when(k.snapshot.time), k.snapshot.id[:8], ", ".join(k.snapshot.tags), list(k.reasons))
              for k in decision.keep],
        remove=[(when(s.time), s.id[:8], ", ".join(s.tags)) for s in decision.remove],
        freed=pruned.bytes_freed if pruned else None, leaves=pruned.leaves_removed if pruned else None,
    )


def preview(state: State) -> Preview:
    """What forget (and prune) would do now, without doing it; cached like the history."""
    assert state.config is not None
    return _preview(state.path, _stamp(state.path), state.config)
