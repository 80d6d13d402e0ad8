"""Scheduled jobs: job run, job history, job schedule (the config file: docs/jobs.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

import orjson

from ..jobs import history, load_config, missed_warning, open_repository, run_job
from ..repository import parse_time
from ..schedule import KINDS, render
from .output import size_text


def cmd_job_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    run = run_job(config, args.time, None if args.json else print, lock_wait=args.wait)
    if args.json:
        print(orjson.dumps(run.as_dict()).decode())
    return 0 if run.status == "ok" else 1


def cmd_job_history(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    runs = history(open_repository(config), config.name)
    now = datetime.fromisoformat(parse_time(args.time).replace("Z", "+00:00")) if args.time else (
        datetime.now(timezone.utc))
    missed = missed_warning(runs, config, now)
    if args.json:
        print(orjson.dumps({"job": config.name, "missed": missed, "runs": [r.as_dict() for r in runs]}).decode())
        return 0
    if not runs:
        print(f"Job {config.name} has not run yet.")
        return 0
    print(f"{'Started':<26}{'Status':<8}{'Took':>8}{'Rows':>11}{'Added':>11}  Steps")
    for run in runs:
        steps = " ".join(f"{s['step']}:{s['result']}" for s in run.steps)
        rows = f"{run.rows:,}" if run.rows is not None else "-"
        added = size_text(run.bytes_added) if run.bytes_added is not None else "-"
        print(f"{run.started:<26}{run.status:<8}{run.duration:>7.1f}s{rows:>11}{added:>11}  {steps}")
        if run.error:
            print(f"{'':<26}error: {run.error}")
    if missed:
        print(f"warning: {missed}", file=sys.stderr)
    return 0


def cmd_job_schedule(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    print(render(config, args.kind, args.python, args.workdir, args.env_file), end="")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    job = sub.add_parser("job", help="scheduled jobs: run, history, schedule (a TOML config file)")
    jobs = job.add_subparsers(dest="job_command", required=True, metavar="ACTION")

    p = jobs.add_parser("run", help="snapshot, forget and prune, check, drill when due; record and alert")
    p.add_argument("--config", required=True, metavar="FILE", help="the job's TOML file (examples/mvdb-job.toml)")
    p.add_argument("--time", help="run as if it were this ISO 8601 time (snapshot time, due drills, missed runs)")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for a run in progress to finish (default: stop at once)")
    p.add_argument("--json", action="store_true", help="print the run's record as JSON")
    p.set_defaults(func=cmd_job_run)

    p = jobs.add_parser("history", help="list the job's past runs (kept in the repository)")
    p.add_argument("--config", required=True, metavar="FILE")
    p.add_argument("--time", help="judge missed backups as of this ISO 8601 time")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_job_history)

    p = jobs.add_parser("schedule", help="print a crontab line, a systemd timer or a GitHub Actions workflow")
    p.add_argument("--config", required=True, metavar="FILE")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("--python", help="the Python that runs the job (default: this one)")
    p.add_argument("--workdir", help="the folder the job runs in (default: the current one)")
    p.add_argument("--env-file", help="the file with the job's secrets (cron, systemd)")
    p.set_defaults(func=cmd_job_schedule)
