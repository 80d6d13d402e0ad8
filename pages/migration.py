"""Migration page: the step-by-step guide, the migration bundle (zip) and a direct, verified migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from mvdb_core.categories import CATEGORY_NAMES
from mvdb_core.errors import UsageError
from mvdb_core.restore import parse_remap
from mvdb_core.stores import open_store
from ui import common
from ui.common import t
from ui.connection import supabase_url

common.require_app()

try:  # the migration core (issue 4); until it is there this page shows the guide only
    from mvdb_core import bundle as bundle_core
    from mvdb_core import migration as migration_core
except ImportError:  # pragma: no cover - depends on the installed core
    bundle_core = migration_core = None  # type: ignore[assignment]

st.title("🚚 " + t("migration.title"))
st.caption(t("migration.intro"))

with st.expander("📋 " + t("migration.guide_title"), expanded=bundle_core is None):
    st.markdown(t("migration.guide"))

if bundle_core is None or migration_core is None:
    st.info(t("migration.not_available"), icon="🛠️")
    st.stop()

conn = common.current_connection()

# ----------------------------------------------------------------------------------------------
# The new project
st.subheader("1️⃣ " + t("migration.new_project"))
c1, c2 = st.columns(2)
project = c1.text_input(t("migration.project"), key="mig_project", placeholder="abcdefghijklmnopqrst",
                        help=t("migration.project_help"))
anon_key = c2.text_input(t("migration.anon_key"), type="password", key="mig_anon", help=t("migration.anon_help"))
c3, c4 = st.columns(2)
table = c3.text_input(t("connect.table"), value=conn.table, key="mig_table")
old_default = ""
with common.guard(stop=False):
    with conn.open() as _store:
        old_default = str(_store.describe().get("projectId") or "")
old_project = c4.text_input(t("migration.old_project"), value=old_default, key="mig_old",
                            help=t("migration.old_project_help"))

# ----------------------------------------------------------------------------------------------
# The bundle
st.subheader("2️⃣ " + t("migration.bundle_title"))
st.markdown(t("migration.bundle_help"))
if st.button("📄 " + t("migration.bundle_button"), key="mig_bundle_button"):
    st.session_state.pop("mig_bundle", None)
    with common.guard(secrets=[anon_key]):
        if not project.strip() or not anon_key.strip():
            raise UsageError(t("migration.need_project_and_key"))
        name, data = bundle_core.bundle_zip_bytes(project.strip(), anon_key.strip(), table.strip() or conn.table,
                                                  old_project.strip() or None)
        st.session_state["mig_bundle"] = {"name": name, "data": data}
made_bundle = st.session_state.get("mig_bundle")
if made_bundle:
    st.success(t("migration.bundle_ready", n=len(bundle_core.FILE_NAMES)), icon="✅")
    st.download_button("📦 " + t("migration.bundle_download"), data=made_bundle["data"],
                       file_name=made_bundle["name"], mime="application/zip", type="primary",
                       on_click="ignore", key="mig_bundle_download")
    st.caption(", ".join(bundle_core.FILE_NAMES))
with st.expander(t("migration.sql_title")):
    with common.guard(stop=False):
        st.code(bundle_core.setup_sql(table.strip() or conn.table), language="sql")

# ----------------------------------------------------------------------------------------------
# Migrate now
st.subheader("3️⃣ " + t("migration.now_title"))
st.markdown(t("migration.now_help", source=conn.label()))
target_kind = st.radio(t("migration.target_kind"), ["postgresql", "supabase"], horizontal=True, key="mig_target_kind",
                       format_func={k: t("migration.target_" + k) for k in ("postgresql", "supabase")}.get)
if target_kind == "postgresql":
    target_secret = st.text_input(t("migration.db_url"), type="password", key="mig_db_url",
                                  placeholder="postgresql://postgres:…@db.<project>.supabase.co:5432/postgres",
                                  help=t("connect.pg_help"))
else:
    target_secret = st.text_input(t("migration.service_key"), type="password", key="mig_service_key",
                                  help=t("migration.service_key_help"))
m1, m2 = st.columns(2)
mode_choice = m1.radio(t("migration.mode"), ["auto", "merge", "mirror"], key="mig_mode",
                       format_func={m: t("migration.mode_" + m) for m in ("auto", "merge", "mirror")}.get)
remap_text = m2.text_area(t("restore.remap"), key="mig_remap", placeholder="old-user-id=new-user-id",
                          help=t("restore.remap_help"), height=80)
create = m2.checkbox(t("migration.create_table"), value=True, key="mig_create", help=t("migration.create_table_help"),
                     disabled=target_kind != "postgresql")
confirmed = st.checkbox(t("migration.confirm", source=conn.label()), key="mig_confirm")


def _target_url() -> tuple[str, str | None]:
    if target_kind == "postgresql":
        if not target_secret.strip():
            raise UsageError(t("migration.need_db_url"))
        return target_secret.strip(), None
    if not project.strip():
        raise UsageError(t("migration.need_project"))
    key = target_secret.strip() or anon_key.strip()
    if not key:
        raise UsageError(t("migration.need_key"))
    return supabase_url(project), key


def _plan_frame(plan: Any) -> pd.DataFrame:
    names = [n for n in CATEGORY_NAMES if any(vars(plan.categories[n]).values())]
    return pd.DataFrame({
        t("col.category"): [common.category_label(n) for n in names],
        t("col.added"): [plan.categories[n].added for n in names],
        t("col.changed"): [plan.categories[n].changed for n in names],
        t("col.unchanged"): [plan.categories[n].unchanged for n in names],
        t("col.extra"): [plan.categories[n].extra for n in names],
    })


def _run(dry_run: bool) -> None:
    st.session_state.pop("mig_result", None)
    secrets = [target_secret, anon_key]
    label = "migration.checking" if dry_run else "migration.running"
    with st.status(t(label), expanded=True) as status:
        bars: dict[str, Any] = {}
        ticker = common.Ticker(0.2)
        expected_rows = sum((common.store_counts(conn) or {}).values()) or 1

        def step(stage: str, done: int, total: int | None) -> None:
            name = common.label_or("migration.stage_" + stage.replace(" ", "_"), stage)
            if stage not in bars:
                bars[stage] = st.progress(0.0, text=name)
            if ticker.due():
                bars[stage].progress(min(done / max(total or expected_rows, 1), 1.0),
                                     text=f"{name}: {common.tr().number(done)}")

        try:
            url, key = _target_url()
            secrets.append(key)
            remap = parse_remap([x for x in (remap_text or "").splitlines() if x.strip()])
            with conn.open() as source, open_store(url, table.strip() or conn.table, key) as target:
                result = migration_core.migrate(
                    source, target, backup_dir="backups", mode=None if mode_choice == "auto" else mode_choice,
                    create_table=create and target_kind == "postgresql", remap=remap, progress=step,
                    dry_run=dry_run,
                )
        except migration_core.ModeRequired as exc:
            status.update(label=t("migration.mode_required"), state="error", expanded=True)
            st.warning(t("migration.mode_required_help"), icon="⚖️")
            common.table(_plan_frame(exc.plan))
            st.stop()
        except Exception as exc:  # noqa: BLE001 - explained to the admin, no traceback
            status.update(label=t("migration.failed"), state="error", expanded=True)
            common.show_error(exc, secrets=secrets)
            st.stop()
        for bar in bars.values():
            bar.progress(1.0)
        status.update(label=t("migration.checked" if dry_run else "migration.done"), state="complete",
                      expanded=False)
    restored = result.restore
    st.session_state["mig_result"] = {
        "dry_run": dry_run,
        "backup": str(result.backup_path),
        "rows": result.backup_rows,
        "created": result.created_table,
        "written": restored.written if restored else 0,
        "deleted": restored.deleted if restored else 0,
        "writes": result.plan.writes,
        "deletes": result.plan.deletes,
        "verified": bool(restored and restored.verified and result.expected == result.target),
        "digest": str(result.target) if result.target else "",
        "notes": list(result.notes),
        "plan": _plan_frame(result.plan),
    }


b1, b2 = st.columns([1, 3])
if b1.button("🔍 " + t("migration.check_button"), key="mig_check", help=t("migration.check_help")):
    _run(dry_run=True)
if b2.button("🚀 " + t("migration.now_button"), type="primary", disabled=not confirmed, key="mig_run"):
    _run(dry_run=False)

res = st.session_state.get("mig_result")
if res:
    if res["dry_run"]:
        st.info(t("migration.dry_run_result", writes=res["writes"], deletes=res["deletes"]), icon="🔍")
    elif res["verified"]:
        st.success(t("migration.verified", rows=res["rows"], written=res["written"]), icon="✅")
    if res["created"]:
        st.info(t("migration.table_created"), icon="🆕")
    for note in res["notes"]:
        st.info(common.md_escape(note), icon="ℹ️")
    common.table(res["plan"])
    if res["digest"]:
        st.caption(t("migration.digest", digest=common.md_escape(res["digest"])))
    if Path(res["backup"]).exists():
        st.download_button("📁 " + t("migration.backup_download"), data=common.file_reader(res["backup"]),
                           file_name=Path(res["backup"]).name, mime="application/json", on_click="ignore",
                           key="mig_backup_download")
