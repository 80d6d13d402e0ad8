"""Jobs page: the scheduled backup job's runs, last check and drill, retention preview, run now, schedules."""

from __future__ import annotations

import os
import sys
from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core import schedule
from mvdb_core.jobs import JobConfig, run_job
from mvdb_core.locks import RepositoryLocked
from mvdb_core.redaction import redact_url
from ui import errors, jobs, labels, navigation, tables
from ui.jobs import State
from ui.texts import md, t

_LAST_RUN = "jobs_last_run"
"""Session key of the run started on this page: {"status", "started", "lines"}, shown after the rerun."""
_LANGUAGE = {"cron": "bash", "systemd": "ini", "github-actions": "yaml"}
_KIND_LABEL = {"cron": "cron", "systemd": "systemd", "github-actions": "GitHub Actions"}


def render() -> None:
    st.title("⏱️ " + t("jobs.title"))
    st.caption(t("jobs.intro"))
    path = jobs.configured()
    if not path:
        st.info(t("jobs.none", env=jobs.ENV), icon="⏱️")
        st.code('[jobs]\nconfig = "/etc/mvdb/mvdb-job.toml"', language="toml")
        return
    state = jobs.read(path)
    if state.config is None:
        st.error(t("jobs.config_broken", problem=md(state.problem or "")), icon="🚨")
        st.caption(t("jobs.config_fix"))
        return
    config = state.config
    _facts(config)
    _run_now(config)
    if state.problem:  # the banner above says it already; the page still offers what needs no repository
        st.caption(t("jobs.history_unreadable"))
    else:
        _last_results(state)
        _history(state)
        _retention(state)
    _schedules(config)


def _facts(config: JobConfig) -> None:
    """Name, store and repository (without secrets), schedule, retention."""
    lines = [
        f"**{t('jobs.name')}:** {md(config.name, code=True)}",
        f"**{t('jobs.repository')}:** {md(redact_url(config.repository), code=True)}",
        f"**{t('jobs.store')}:** {md(jobs.clean(redact_url(config.store), config), code=True)}",
        f"**{t('jobs.schedule')}:** " + t("jobs.every", interval=jobs.period(config.interval), at=config.at,
                                            grace=jobs.period(config.grace)),
        f"**{t('jobs.retention')}:** " + (md(jobs.policy(config.retention)) if not config.retention.empty()
                                          else t("jobs.no_policy")),
    ]
    st.markdown("  \n".join(lines))


def _run_now(config: JobConfig) -> None:
    """One run now, its log as it prints; a run going on elsewhere is a message, not a traceback."""
    left, right = st.columns([1, 3], vertical_alignment="center")
    clicked = left.button("▶️ " + t("jobs.run_now"), key="jobs_run_now", type="primary")
    right.caption(t("jobs.run_now_help"))
    if clicked:
        st.session_state.pop(_LAST_RUN, None)
        lines: list[str] = []
        with st.status(t("jobs.running", name=md(config.name)), expanded=True) as status:
            log = st.empty()

            def show(line: str) -> None:
                lines.append(jobs.clean(line, config))
                log.code("\n".join(lines), language=None, wrap_lines=True)

            try:
                run = run_job(config, log=show)
            except RepositoryLocked as exc:
                status.update(label=t("jobs.busy_title"), state="error", expanded=True)
                st.warning(t("jobs.busy", detail=md(jobs.clean(exc, config))), icon="⏳")
                return
            except Exception as exc:  # explained to the admin, no traceback
                status.update(label=t("jobs.run_failed_to_start"), state="error", expanded=True)
                errors.show(exc, secrets=jobs.hidden(config))
                return
        st.session_state[_LAST_RUN] = {"status": run.status, "started": run.started, "lines": lines}
        jobs.forget_cached()
        st.rerun()  # the banner and the history now include the run
    last: dict[str, Any] | None = st.session_state.get(_LAST_RUN)
    if last:
        ok = last["status"] == "ok"
        label = t("jobs.ran_ok" if ok else "jobs.ran_failed", time=jobs.when(last["started"]))
        with st.status(label, state="complete" if ok else "error", expanded=not ok):
            st.code("\n".join(last["lines"]), language=None, wrap_lines=True)


def _last_results(state: State) -> None:
    """The newest check and the newest drill that really ran (not skipped)."""
    assert state.config is not None
    config = state.config
    if not state.runs:
        st.info(t("jobs.no_runs"), icon="📭")
        return
    left, right = st.columns(2)
    with left.container(border=True):
        st.markdown(f"**{t('jobs.last_check')}**")
        found = jobs.last_step(state.runs, "check")
        if found is None:
            st.caption(t("jobs.no_check"))
        else:
            run, step = found
            st.markdown(f"{jobs.result(step['result'])} · {jobs.when(run.started)} UTC")
            st.caption(jobs.check_text(step, config))
    with right.container(border=True):
        st.markdown(f"**{t('jobs.last_drill')}**")
        found = jobs.last_step(state.runs, "drill")
        if found is None:
            skipped = (state.runs[-1].step("drill") or {}).get("detail")
            st.caption(t("jobs.no_drill") + (f" ({md(jobs.clean(skipped, config))})" if skipped else ""))
        else:
            run, step = found
            st.markdown(f"{jobs.result(step['result'])} · {jobs.when(run.started)} UTC")
            st.caption(jobs.drill_text(step, config))
            for warning in jobs.drill_warnings(step, config):
                st.warning(warning, icon="⚠️")


def _history(state: State) -> None:
    assert state.config is not None
    if not state.runs:
        return
    st.subheader(t("jobs.history"))
    jobs.history_table(jobs.history_frame(state.runs, state.config))


def _retention(state: State) -> None:
    """What forget would keep (and why) and remove now, and what prune would free: nothing is changed."""
    assert state.config is not None
    config = state.config
    with st.expander("🧹 " + t("jobs.preview_title"), expanded=False):
        if config.retention.empty():
            st.info(t("jobs.preview_no_policy"))
            return
        found = jobs.preview(state)
        if found.problem:
            st.warning(t("jobs.preview_failed", problem=md(found.problem)), icon="⚠️")
            return
        st.caption(t("jobs.preview_intro", policy=md(jobs.policy(config.retention))))
        st.markdown(t("jobs.preview_keep", n=len(found.keep)))
        _snapshot_table(found.keep, reasons=True)
        st.markdown(t("jobs.preview_remove", n=len(found.remove)))
        _snapshot_table(found.remove, reasons=False)
        if found.freed is not None:
            st.markdown(t("jobs.preview_prune", leaves=found.leaves or 0, size=labels.size(found.freed)))
        else:
            st.caption(t("jobs.preview_no_prune"))


def _snapshot_table(rows: list, reasons: bool) -> None:
    """(time, id, tags[, reasons]) rows of the preview as a table; nothing when there are none."""
    if not rows:
        return
    columns = {
        t("snapshots.col_time"): [r[0] for r in rows],
        t("snapshots.col_id"): [r[1] for r in rows],
        t("snapshots.col_tags"): [r[2] for r in rows],
    }
    if reasons:
        columns[t("jobs.col_reasons")] = [", ".join(jobs.reason(x) for x in r[3]) for r in rows]
    tables.table(pd.DataFrame(columns))


def _schedules(config: JobConfig) -> None:
    """The three units for this machine's Python and working folder, ready to copy."""
    st.subheader(t("jobs.schedules"))
    st.caption(t("jobs.schedules_intro", python=md(sys.executable, code=True), folder=md(os.getcwd(), code=True)))
    for kind, tab in zip(schedule.KINDS, st.tabs([_KIND_LABEL[k] for k in schedule.KINDS])):
        with tab:
            try:
                text = schedule.render(config, kind, python=sys.executable, workdir=os.getcwd())
            except Exception as exc:  # e.g. an interval cron cannot express: said in that tab
                st.info(md(jobs.clean(exc, config)), icon="ℹ️")
                continue
            st.code(text, language=_LANGUAGE[kind], wrap_lines=True)


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
