"""Schedules where people already run them: a crontab line, a systemd timer, a GitHub Actions workflow.

Nothing here runs a scheduler: it prints a ready unit that calls `job run` at the job's interval
and time of day (UTC). Secrets stay out of every unit: cron and systemd read them from an
environment file, GitHub Actions from the repository's secrets.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from datetime import timedelta
from pathlib import Path

from .errors import UsageError
from .jobs import JobConfig

KINDS = ("cron", "systemd", "github-actions")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _timing(config: JobConfig) -> tuple[str, str]:
    """(cron expression, systemd OnCalendar) for the job's interval at its time of day, both UTC."""
    hour, minute = (int(x) for x in config.at.split(":"))
    every = config.interval
    if every == timedelta(days=1):
        return f"{minute} {hour} * * *", f"*-*-* {hour:02d}:{minute:02d}:00 UTC"
    if every == timedelta(weeks=1):
        return f"{minute} {hour} * * 0", f"Sun *-*-* {hour:02d}:{minute:02d}:00 UTC"
    hours = every.total_seconds() / 3600
    if hours.is_integer() and 1 <= hours < 24 and 24 % int(hours) == 0:
        n = int(hours)
        first = hour % n
        cron_hours = "*" if n == 1 else f"{first}-23/{n}"
        return f"{minute} {cron_hours} * * *", f"*-*-* {first:02d}/{n}:{minute:02d}:00 UTC"
    raise UsageError(f"[job] interval = {every} cannot be scheduled by cron: use 1d, 1w, or a number of hours "
                     "that divides a day (1h, 2h, 3h, 4h, 6h, 8h, 12h)")


def environment_names(config: JobConfig) -> list[str]:
    """The variables a run needs: the config's ${NAME}s, S3 credentials, the writer's leaf-name key."""
    names = sorted(set(_ENV_REF.findall(config.path.read_text(encoding="utf-8"))))
    if config.repository.startswith("s3://"):
        names += ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION"]
    names.append("MVDB_REPOSITORY_KEY")
    return list(dict.fromkeys(names))


def render(config: JobConfig, kind: str, python: str | None = None, workdir: str | Path | None = None,
           env_file: str | None = None) -> str:
    """The unit text for `kind`; `python` and `workdir` default to this interpreter and the current folder."""
    if kind not in KINDS:
        raise UsageError(f"unknown schedule kind {kind!r}: use {', '.join(KINDS)}")
    cron, calendar = _timing(config)
    python = python or sys.executable
    workdir = Path(workdir or os.getcwd()).resolve()
    env_file = env_file or f"/etc/mvdb-backup/{config.name}.env"
    command = f"{shlex.quote(python)} -m mvdb_core job run --config {shlex.quote(str(config.path))}"
    names = environment_names(config)
    if kind == "cron":
        return (
            f"# MVDB backup job {config.name}: crontab line (crontab -e). Times are UTC: on a machine whose\n"
            f"# clock is not UTC, shift the hour. {env_file} (mode 600) holds, one NAME=value per line:\n"
            f"# {' '.join(names)}\n"
            f"{cron} cd {shlex.quote(str(workdir))} && set -a && . {shlex.quote(env_file)} && set +a && "
            f"{command} >>{shlex.quote(str(workdir / f'{config.name}.log'))} 2>&1\n"
        )
    if kind == "systemd":
        unit = f"mvdb-job-{config.name}"
        return (
            f"# --- /etc/systemd/system/{unit}.service ---\n"
            "[Unit]\n"
            f"Description=MVDB backup job {config.name}\n"
            "Wants=network-online.target\n"
            "After=network-online.target\n\n"
            "[Service]\n"
            "Type=oneshot\n"
            f"WorkingDirectory={workdir}\n"
            f"# {env_file} (mode 600) holds, one NAME=value per line: {' '.join(names)}\n"
            f"EnvironmentFile={env_file}\n"
            f"ExecStart={command}\n\n"
            f"# --- /etc/systemd/system/{unit}.timer ---\n"
            "[Unit]\n"
            f"Description=Run MVDB backup job {config.name}\n\n"
            "[Timer]\n"
            f"OnCalendar={calendar}\n"
            "Persistent=true\n\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
            f"# Then: systemctl daemon-reload && systemctl enable --now {unit}.timer\n"
        )
    try:
        config_path = config.path.relative_to(workdir)
    except ValueError:
        raise UsageError(f"the job config {config.path} is outside {workdir}: a workflow runs in a checkout of "
                         "the repository, so keep the config inside it (or pass --workdir)") from None
    env = "".join(f"          {n}: ${{{{ secrets.{n} }}}}\n" for n in names)
    return (
        f"# .github/workflows/mvdb-job-{config.name}.yml: add each variable below as a repository secret\n"
        f"name: MVDB backup job {config.name}\n"
        "on:\n"
        "  schedule:\n"
        f"    - cron: \"{cron}\"\n"
        "  workflow_dispatch: {}\n"
        "concurrency:\n"
        f"  group: mvdb-job-{config.name}\n"
        "  cancel-in-progress: false\n"
        "jobs:\n"
        "  backup:\n"
        "    runs-on: ubuntu-latest\n"
        "    timeout-minutes: 120\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: actions/setup-python@v5\n"
        "        with:\n"
        "          python-version: \"3.11\"\n"
        "      - name: Install\n"
        "        run: pip install -r requirements.txt\n"
        "      - name: Run the job\n"
        "        env:\n"
        f"{env}"
        f"        run: python -m mvdb_core job run --config {shlex.quote(str(config_path))}\n"
    )
