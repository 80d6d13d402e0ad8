"""Scheduled jobs: one TOML file says what to back up where, what to keep, what to check, whom to tell.

`run_job` takes a snapshot, forgets and prunes by the retention policy, checks the repository
(structure, and a share of the leaves' contents when an identity is at hand), runs a restore drill
when one is due, records the run in the repository (`runs/`, readable without a key, so any
machine that opens the repository sees the history) and sends the alerts. A `job` lock in the
repository keeps two runs from overlapping. The file format: docs/jobs.md; an example:
examples/mvdb-job.toml.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import tomllib

from .alerts import AlertSettings, RunReport, alert_finish, alert_start, validate_settings
from .backup_file import utc_now
from .drill import MAX_DROP, drill
from .errors import MvdbError, UsageError
from .keys import Keys, keys_from_args
from .locks import hold
from .maintenance import check, forget
from .object_store import ObjectMissing, RepositoryError
from .redaction import redact, redact_url, url_secrets
from .repository import Repository, parse_time
from .retention import Policy, parse_duration, parse_tags
from .stores import DEFAULT_TABLE, open_store

RUNS = "runs/"
LOG_TAIL = 40  # lines of the run's log that a failure alert carries
MAINTENANCE_WAIT = 300.0  # seconds forget waits for a snapshot taken meanwhile (the dashboard's, say)
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PERIOD = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)min)?$")


# --------------------------------------------------------------------------------------------
# The config file


@dataclass
class JobConfig:
    path: Path
    name: str
    store: str
    repository: str
    table: str = DEFAULT_TABLE
    tags: list[str] = field(default_factory=list)
    interval: timedelta = timedelta(days=1)
    at: str = "03:17"
    grace: timedelta = timedelta(hours=1)
    identity: str | None = None
    retention: Policy = field(default_factory=Policy)
    prune: bool = True
    read_data_subset: float = 5.0
    drill_every: timedelta | None = timedelta(days=7)
    drill_against_store: bool = True
    max_drop: float = MAX_DROP
    alerts: AlertSettings = field(default_factory=AlertSettings)

    def secrets(self) -> list[str]:
        """What no message may show: the store URL's password, alert URLs' tokens."""
        found = url_secrets(self.store)
        for url in [self.alerts.healthchecks, self.alerts.webhook, *self.alerts.apprise]:
            if url:
                found += url_secrets(url)
        return found

    def keys(self) -> Keys:
        """The identity (file, or MVDB_AGE_IDENTITY) and passphrase (MVDB_PASSPHRASE) this machine has."""
        return keys_from_args(SimpleNamespace(identity=[self.identity] if self.identity else []))


def parse_period(text: str, what: str) -> timedelta:
    """`1d`, `6h`, `1w`, `1d12h`, `30min`: a period of the schedule (not restic's `m` = month)."""
    match = _PERIOD.match(str(text).strip())
    if not match or not any(match.groups()):
        raise UsageError(f"{what} = {text!r} is not a period: write it like 1d, 6h, 1w or 1d12h")
    w, d, h, m = (int(g or 0) for g in match.groups())
    period = timedelta(weeks=w, days=d, hours=h, minutes=m)
    if not period:
        raise UsageError(f"{what} must be longer than zero")
    return period


def load_config(path: str | Path) -> JobConfig:
    """Read and check the whole file before anything runs: a mistake is one line, naming the key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"job config {path} was not found; start from examples/mvdb-job.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"job config {path} is not valid TOML: {exc}") from None
    where = str(path)
    raw = _expand(raw, where)
    job = _table(raw, "job", where)
    known = {"job", "retention", "check", "drill", "alerts"}
    if set(raw) - known:
        raise UsageError(f"{where}: unknown section [{sorted(set(raw) - known)[0]}]; "
                         f"the sections are {', '.join(sorted(known))}")
    for name in ("name", "store", "repository"):
        if not isinstance(job.get(name), str) or not job[name].strip():
            raise UsageError(f"{where}: [job] {name} is missing; see examples/mvdb-job.toml")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", job["name"]):
        raise UsageError(f"{where}: [job] name may hold letters, digits, '.', '_' and '-' (64 at most)")
    config = JobConfig(path=path.resolve(), name=job["name"], store=job["store"].strip(),
                       repository=job["repository"].strip())
    config.table = str(job.get("table", DEFAULT_TABLE))
    config.tags = [str(t) for t in _list(job, "tags", where)]
    config.interval = parse_period(job.get("interval", "1d"), f"{where}: [job] interval")
    config.grace = parse_period(job.get("grace", "1h"), f"{where}: [job] grace")
    config.at = str(job.get("at", config.at))
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", config.at):
        raise UsageError(f"{where}: [job] at = {config.at!r}: give the UTC time of day as HH:MM")
    if job.get("identity"):
        config.identity = str(job["identity"])
    _unknown(job, {"name", "store", "repository", "table", "tags", "interval", "grace", "at", "identity"},
             "job", where)

    ret = _table(raw, "retention", where, required=False)
    options = {f"keep-{n}": n for n in ("last", "hourly", "daily", "weekly", "monthly", "yearly")}
    counts = {}
    for key, name in options.items():
        value = ret.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < -1:
            raise UsageError(f"{where}: [retention] {key} must be a whole number (-1: keep all)")
        counts[name] = value
    within = parse_duration(str(ret["keep-within"])) if ret.get("keep-within") else None
    tags = tuple(parse_tags(str(t)) for t in _list(ret, "keep-tag", where))
    config.retention = Policy(**counts, within=within, tags=tags)
    config.prune = bool(ret.get("prune", True))
    _unknown(ret, {*options, "keep-within", "keep-tag", "prune"}, "retention", where)

    chk = _table(raw, "check", where, required=False)
    subset = chk.get("read-data-subset", 5)
    if not isinstance(subset, int | float) or not 0 <= subset <= 100:
        raise UsageError(f"{where}: [check] read-data-subset is a percentage between 0 and 100")
    config.read_data_subset = float(subset)
    _unknown(chk, {"read-data-subset"}, "check", where)

    dr = _table(raw, "drill", where, required=False)
    every = dr.get("every", "7d")
    config.drill_every = None if every in ("never", "", 0) else parse_period(every, f"{where}: [drill] every")
    config.drill_against_store = bool(dr.get("against-store", True))
    config.max_drop = float(dr.get("max-drop", MAX_DROP))
    if not 0 < config.max_drop <= 100:
        raise UsageError(f"{where}: [drill] max-drop is a percentage between 0 and 100")
    _unknown(dr, {"every", "against-store", "max-drop"}, "drill", where)

    al = _table(raw, "alerts", where, required=False)
    config.alerts = AlertSettings(
        healthchecks=al.get("healthchecks") or None, webhook=al.get("webhook") or None,
        apprise=tuple(str(u) for u in _list(al, "apprise", where)), on_success=bool(al.get("on-success", False)),
    )
    _unknown(al, {"healthchecks", "webhook", "apprise", "on-success"}, "alerts", where)
    validate_settings(config.alerts)
    open_store(config.store, config.table)  # the URL's form is checked here; nothing connects yet
    return config


def _expand(value: Any, where: str) -> Any:
    """`${NAME}` in any string comes from the environment: secrets stay out of the file."""
    if isinstance(value, dict):
        return {k: _expand(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, where) for v in value]
    if isinstance(value, str):
        def env(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise UsageError(f"{where} uses ${{{name}}}, which is not set in the environment")
            return os.environ[name]
        return _ENV.sub(env, value)
    return value


def _table(raw: dict[str, Any], name: str, where: str, required: bool = True) -> dict[str, Any]:
    value = raw.get(name, None if required else {})
    if not isinstance(value, dict):
        raise UsageError(f"{where}: the [{name}] section is missing; see examples/mvdb-job.toml")
    return value


def _list(table: dict[str, Any], key: str, where: str) -> list[Any]:
    value = table.get(key, [])
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise UsageError(f"{where}: {key} must be a list of strings")
    return value


def _unknown(table: dict[str, Any], known: set[str], section: str, where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise UsageError(f"{where}: [{section}] has an unknown key {extra[0]!r}; "
                         f"the keys are {', '.join(sorted(known))}")


# --------------------------------------------------------------------------------------------
# History


@dataclass
class Run:
    """One recorded run, as `runs/` keeps it."""

    job: str
    started: str
    status: str = "failed"
    duration: float = 0.0
    steps: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int | None = None
    bytes_added: int | None = None
    snapshot: str | None = None
    host: str = field(default_factory=socket.gethostname)
    alert_problems: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        failed = [s for s in self.steps if s["result"] == "failed"]
        return f"{failed[0]['step']}: {failed[0].get('error', '')}" if failed else None

    @property
    def backed_up(self) -> bool:
        return any(s["step"] == "snapshot" and s["result"] == "ok" for s in self.steps)

    def step(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.steps if s["step"] == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job, "started": self.started, "status": self.status, "duration": round(self.duration, 3),
            "steps": self.steps, "warnings": self.warnings, "rows": self.rows, "bytes_added": self.bytes_added,
            "snapshot": self.snapshot, "error": self.error, "host": self.host, "alert_problems": self.alert_problems,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Run:
        return cls(job=str(d["job"]), started=str(d["started"]), status=str(d["status"]),
                   duration=float(d.get("duration", 0)), steps=list(d.get("steps", [])),
                   warnings=list(d.get("warnings", [])), rows=d.get("rows"), bytes_added=d.get("bytes_added"),
                   snapshot=d.get("snapshot"), host=str(d.get("host", "")),
                   alert_problems=list(d.get("alert_problems", [])))


def history(repo: Repository, job: str | None = None) -> list[Run]:
    """The recorded runs, oldest first (a damaged record is skipped)."""
    runs = []
    for name, _size in repo.objects.list(RUNS):
        try:
            run = Run.from_dict(orjson.loads(repo.objects.get(name)))
        except (ObjectMissing, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
        if job is None or run.job == job:
            runs.append(run)
    runs.sort(key=lambda r: r.started)
    return runs


def _record(repo: Repository, run: Run) -> None:
    stamp = re.sub(r"[^0-9]", "", run.started)[:17]
    repo.objects.put(f"{RUNS}{stamp}-{run.job}-{secrets.token_hex(4)}", orjson.dumps(run.as_dict()))


def missed_warning(runs: list[Run], config: JobConfig, now: datetime) -> str | None:
    """Say so when no run backed up for longer than the interval (plus grace); None when fine or never run."""
    if not runs:
        return None
    good = [r for r in runs if r.backed_up]
    limit = config.interval + config.grace
    if good:
        last = _when(good[-1].started)
        if now - last <= limit:
            return None
        return (f"no successful backup since {good[-1].started} ({_age(now - last)} ago; the job runs every "
                f"{_age(config.interval)})")
    first = _when(runs[0].started)
    if now - first <= limit:
        return None
    return f"no successful backup in {len(runs)} run(s) since {runs[0].started}"


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _age(delta: timedelta) -> str:
    """A period for people: 3 days, 1 day 6 hours, 6 hours, 40 minutes."""
    minutes = int(delta.total_seconds() // 60)
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days >= 2:
        return f"{delta.total_seconds() / 86400:.1f} days".replace(".0 ", " ")
    parts = [f"{days} day" if days else "", f"{hours} hour{'s' if hours != 1 else ''}" if hours else ""]
    return " ".join(p for p in parts if p) or f"{minutes} minutes"


# --------------------------------------------------------------------------------------------
# Running


def open_repository(config: JobConfig) -> Repository:
    return Repository(config.repository)


def drill_due(runs: list[Run], config: JobConfig, now: datetime) -> bool:
    if config.drill_every is None:
        return False
    drills = [r for r in runs if (r.step("drill") or {}).get("result") in ("ok", "failed")]
    return not drills or now - _when(drills[-1].started) >= config.drill_every


def run_job(config: JobConfig, now: str | None = None, log: Callable[[str], None] | None = None,
            lock_wait: float = 0.0) -> Run:
    """One run of the job; every step's outcome is in the returned (and recorded) Run, never raised.

    A repository that cannot be opened is a failed run that is alerted but cannot be recorded;
    only a run already going on (RepositoryLocked) is raised: that run reports for itself.
    """
    hidden = config.secrets()
    lines: list[str] = []

    def say(text: str) -> None:
        text = redact(text, hidden)
        lines.append(text)
        if log is not None:
            log(text)

    started = parse_time(now) if now else utc_now()
    clock = _when(started)
    try:
        repo = open_repository(config)
    except (MvdbError, OSError) as exc:  # S3 down, bucket gone: exactly when the admin must hear of it
        run = Run(job=config.name, started=started, steps=[
            {"step": "repository", "result": "failed", "error": redact(str(exc), hidden)}])
        say(f"{config.name}: failed - the repository cannot be opened: {run.steps[0]['error']}")
        report = RunReport(job=config.name, status="failed", started=started, duration=0.0, steps=run.steps,
                           warnings=[], log_tail="\n".join(lines), repository=redact_url(config.repository))
        run.alert_problems = [redact(p, hidden) for p in alert_finish(config.alerts, report)]
        for problem in run.alert_problems:
            say(f"alert not delivered: {problem}")
        return run
    with hold(repo.objects, "job", wait=lock_wait):
        began = time.monotonic()
        run = Run(job=config.name, started=started)
        alert_problems = alert_start(config.alerts)
        past = history(repo, config.name)
        warning = missed_warning(past, config, clock)
        if warning:
            run.warnings.append(warning)
            say(f"warning: {warning}")
        keys = config.keys()
        can_read = repo.encryption == "none" or bool(keys.identities) or keys.passphrase is not None

        def step(name: str, action: Callable[[], tuple[str, dict[str, Any]]]) -> bool:
            t0 = time.monotonic()
            entry: dict[str, Any] = {"step": name}
            try:
                detail, extra = action()
                entry.update(result=extra.pop("result", "ok"), detail=detail, **extra)
            except MvdbError as exc:
                entry.update(result="failed", error=redact(str(exc), hidden))
            except Exception as exc:  # a job must record and report whatever stopped a step
                entry.update(result="failed", error=redact(f"unexpected {type(exc).__name__}: {exc}"[:300], hidden))
            entry["seconds"] = round(time.monotonic() - t0, 3)
            run.steps.append(entry)
            say(f"{name}: {entry['result']}" + (f" - {entry.get('detail') or entry.get('error')}"
                                                if entry.get("detail") or entry.get("error") else ""))
            return entry["result"] != "failed"

        def skipped(why: str) -> Callable[[], tuple[str, dict[str, Any]]]:
            return lambda: (why, {"result": "skipped"})

        def snapshot() -> tuple[str, dict[str, Any]]:
            with open_store(config.store, config.table) as store:
                result = repo.snapshot(store, keys, [*config.tags, f"job:{config.name}"], started)
            run.rows, run.bytes_added, run.snapshot = result.total, result.new_bytes, result.id
            return (f"snapshot {result.id[:8]}: {result.total:,} rows, {result.new_bytes:,} bytes added",
                    {"id": result.id, "rows": result.total, "new_bytes": result.new_bytes})

        def retention() -> tuple[str, dict[str, Any]]:
            decision, pruned = forget(repo, config.retention, prune_after=config.prune, wait=MAINTENANCE_WAIT)
            text = f"kept {len(decision.keep)}, removed {len(decision.remove)} snapshot(s)"
            extra: dict[str, Any] = {"kept": len(decision.keep), "removed": len(decision.remove)}
            if pruned is not None:
                text += f"; pruned {pruned.leaves_removed} leaves ({pruned.bytes_freed:,} bytes)"
                extra.update(leaves_removed=pruned.leaves_removed, bytes_freed=pruned.bytes_freed)
            return text, extra

        def checking() -> tuple[str, dict[str, Any]]:
            share = config.read_data_subset / 100 if can_read else 0.0
            result = check(repo, keys, share)
            text = (f"{result.snapshots} snapshots, {result.leaves} leaves, {result.leaves_read} read"
                    + ("" if can_read else " (structure only: no identity on this machine)"))
            if not result.ok:
                raise RepositoryError("; ".join(result.problems()))
            return text, {"leaves": result.leaves, "leaves_read": result.leaves_read}

        def drilling() -> tuple[str, dict[str, Any]]:
            if config.drill_against_store:
                with open_store(config.store, config.table) as live:
                    report = drill(repo, keys, "latest", live, config.max_drop)
            else:
                report = drill(repo, keys, "latest", None, config.max_drop)
            run.warnings.extend(report.warnings)
            for w in report.warnings:
                say(f"warning: {w}")
            if not report.ok:
                raise RepositoryError("; ".join(report.problems))
            return (f"snapshot {report.snapshot[:8]} restored and checked: {report.rows:,} rows in "
                    f"{report.seconds:.1f} s", {"report": report.as_dict()})

        backed_up = step("snapshot", snapshot)
        if config.retention.empty():
            step("forget", skipped("no retention policy in the job config"))
        elif not backed_up:
            step("forget", skipped("the snapshot failed: nothing is forgotten until a new one is stored"))
        else:
            step("forget", retention)
        step("check", checking)
        if not drill_due(past, config, clock):
            step("drill", skipped("not due"))
        elif not can_read:
            step("drill", skipped("no identity on this machine: set [job] identity or MVDB_AGE_IDENTITY"))
        else:
            step("drill", drilling)
        run.status = "failed" if any(s["result"] == "failed" for s in run.steps) else "ok"
        run.duration = time.monotonic() - began
        say(f"{config.name}: {run.status} in {run.duration:.1f} s")
        report = RunReport(job=config.name, status=run.status, started=run.started, duration=run.duration,
                           steps=run.steps, warnings=run.warnings, log_tail="\n".join(lines[-LOG_TAIL:]),
                           repository=redact_url(config.repository))
        alert_problems += alert_finish(config.alerts, report)
        run.alert_problems = [redact(p, hidden) for p in alert_problems]
        for problem in run.alert_problems:
            say(f"alert not delivered: {problem}")
        try:
            _record(repo, run)
        except MvdbError as exc:
            say(f"warning: the run could not be recorded in the repository: {redact(str(exc), hidden)}")
    return run
