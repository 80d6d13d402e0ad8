"""Migration page: the step-by-step guide, the migration bundle (zip) and a direct, verified migration."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import streamlit as st

from mvdb_core import bundle as bundle_core
from mvdb_core import migration as migration_core
from mvdb_core.errors import UsageError
from mvdb_core.redaction import url_secrets
from mvdb_core.restore import parse_remap
from mvdb_core.stores import open_store
from ui import cache, connections, downloads, errors, labels, navigation, tables
from ui.connection import Connection, supabase_url
from ui.progress import Bars
from ui.texts import md, t


def render() -> None:
    st.title("🚚 " + t("migration.title"))
    st.caption(t("migration.intro"))
    with st.expander("📋 " + t("migration.guide_title")):
        st.markdown(t("migration.guide"))
    conn = connections.current()
    fields = _new_project(conn)
    _bundle(conn, fields)
    _migrate_now(conn, fields)


def _new_project(conn: Connection) -> dict[str, str]:
    """Step 1: the new project's id and anon key, the table, the old project's id."""
    st.subheader("1️⃣ " + t("migration.new_project"))
    c1, c2 = st.columns(2)
    project = c1.text_input(t("migration.project"), key="mig_project", placeholder="abcdefghijklmnopqrst",
                            help=t("migration.project_help"))
    anon_key = c2.text_input(t("migration.anon_key"), type="password", key="mig_anon", help=t("migration.anon_help"))
    c3, c4 = st.columns(2)
    table = c3.text_input(t("connect.table"), value=conn.table, key="mig_table")
    old_default = ""
    with errors.guard(stop=False, where=c4):
        with conn.open() as store:
            old_default = str(store.describe().get("projectId") or "")
    old_project = c4.text_input(t("migration.old_project"), value=old_default, key="mig_old",
                                help=t("migration.old_project_help"))
    return {"project": project.strip(), "anon_key": anon_key.strip(), "table": table.strip() or conn.table,
            "old_project": old_project.strip()}


def _bundle_zip(fields: dict[str, str]) -> tuple[str, bytes]:
    """The bundle, each field checked first under its label on this page (the core's messages name CLI flags)."""
    if not fields["project"] or not fields["anon_key"]:
        raise UsageError(t("migration.need_project_and_key"))
    project = bundle_core.validate_project_id(fields["project"], option=t("migration.project"))
    anon_key = bundle_core.validate_anon_key(fields["anon_key"], option=t("migration.anon_key"))
    old = fields["old_project"]
    if old and bundle_core.validate_project_id(old, option=t("migration.old_project")) == project:
        raise UsageError(t("migration.same_project"))
    return bundle_core.bundle_zip_bytes(project, anon_key, fields["table"], old or None)


def _bundle(conn: Connection, fields: dict[str, str]) -> None:
    """Step 2: the migration bundle; a mistake in a field is explained here, the rest of the page stays."""
    st.subheader("2️⃣ " + t("migration.bundle_title"))
    st.markdown(t("migration.bundle_help"))
    step = st.container()
    if step.button("📄 " + t("migration.bundle_button"), key="mig_bundle_button"):
        st.session_state.pop("mig_bundle", None)
        with errors.guard(stop=False, where=step, secrets=[fields["anon_key"]]):
            name, data = _bundle_zip(fields)
            st.session_state["mig_bundle"] = {"name": name, "data": data}
    made = st.session_state.get("mig_bundle")
    if made:
        step.success(t("migration.bundle_ready", n=len(bundle_core.FILE_NAMES)), icon="✅")
        step.download_button("📦 " + t("migration.bundle_download"), data=made["data"], file_name=made["name"],
                             mime="application/zip", type="primary", on_click="ignore", key="mig_bundle_download")
        step.caption(", ".join(bundle_core.FILE_NAMES))
    with step.expander(t("migration.sql_title")), errors.guard(stop=False):
        st.code(bundle_core.setup_sql(fields["table"]), language="sql")


def _migrate_now(conn: Connection, fields: dict[str, str]) -> None:
    """Step 3: copy the connected store into the new project, with a dry run first if the admin likes."""
    st.subheader("3️⃣ " + t("migration.now_title"))
    st.markdown(t("migration.now_help", source=md(labels.store(conn))))
    targets = {k: t("migration.target_" + k) for k in ("postgresql", "supabase")}
    target_kind = st.radio(t("migration.target_kind"), list(targets), horizontal=True, key="mig_target_kind",
                           format_func=targets.get)
    if target_kind == "postgresql":
        secret = st.text_input(t("migration.db_url"), type="password", key="mig_db_url",
                               placeholder="postgresql://postgres:…@db.<project>.supabase.co:5432/postgres",
                               help=t("connect.pg_help"))
    else:
        secret = st.text_input(t("migration.service_key"), type="password", key="mig_service_key",
                               help=t("migration.service_key_help"))
    m1, m2 = st.columns(2)
    mode = m1.radio(t("migration.mode"), ["auto", "merge", "mirror"], key="mig_mode",
                    format_func={m: t("migration.mode_" + m) for m in ("auto", "merge", "mirror")}.get)
    remap_text = m2.text_area(t("restore.remap"), key="mig_remap", placeholder="old-user-id=new-user-id",
                              help=t("restore.remap_help"), height=80)
    create = m2.checkbox(t("migration.create_table"), value=False, key="mig_create",
                         help=t("migration.create_table_help"), disabled=target_kind != "postgresql")
    confirmed = st.checkbox(t("migration.confirm", source=md(labels.store(conn))), key="mig_confirm")
    settings = {"kind": target_kind, "secret": secret.strip(), "mode": mode, "remap": remap_text,
                "create": create and target_kind == "postgresql"}
    b1, b2 = st.columns([1, 3])
    if b1.button("🔍 " + t("migration.check_button"), key="mig_check", help=t("migration.check_help")):
        _run(conn, fields, settings, dry_run=True)
    if b2.button("🚀 " + t("migration.now_button"), type="primary", disabled=not confirmed, key="mig_run"):
        _run(conn, fields, settings, dry_run=False)
    _show_result()


def _target(fields: dict[str, str], settings: dict[str, Any]) -> tuple[str, str | None]:
    """The new project's address and key (a connection string, or the project URL with a key)."""
    if settings["kind"] == "postgresql":
        if not settings["secret"]:
            raise UsageError(t("migration.need_db_url"))
        return settings["secret"], None
    if not fields["project"]:
        raise UsageError(t("migration.need_project"))
    key = settings["secret"]  # the service_role key: under RLS the anon key would see an empty project
    if not key:
        raise UsageError(t("migration.need_key"))
    return supabase_url(fields["project"]), key


def _inputs(conn: Connection, fields: dict[str, str], settings: dict[str, Any]) -> str:
    """What a check was made for: a later migration with the same inputs must find the same plan."""
    text = repr((conn.identity(), sorted(fields.items()), sorted(settings.items())))
    return hashlib.sha256(text.encode()).hexdigest()


def _run(conn: Connection, fields: dict[str, str], settings: dict[str, Any], dry_run: bool) -> None:
    st.session_state.pop("mig_result", None)
    secrets = [settings["secret"], fields["anon_key"], *url_secrets(settings["secret"])]
    checked = st.session_state.get("mig_checked")
    inputs = _inputs(conn, fields, settings)
    expected = checked["plan"] if checked and checked["inputs"] == inputs and not dry_run else None
    with st.status(t("migration.checking" if dry_run else "migration.running"), expanded=True) as status:
        try:
            url, key = _target(fields, settings)
            remap = parse_remap(settings["remap"])
            rows = cache.store_counts(conn).total or None
            with conn.open() as source, open_store(url, fields["table"], key) as target:
                result = migration_core.migrate(
                    source, target, backup_dir="backups",
                    mode=None if settings["mode"] == "auto" else settings["mode"],
                    create_table=settings["create"], remap=remap, progress=Bars(rows), dry_run=dry_run,
                    expected=expected,
                )
        except migration_core.ModeRequired as exc:
            status.update(label=t("migration.mode_required"), state="error", expanded=True)
            st.warning(t("migration.mode_required_help"), icon="⚖️")
            tables.plan_table(exc.plan)
            return
        except Exception as exc:  # explained to the admin, no traceback
            status.update(label=t("migration.failed"), state="error", expanded=True)
            errors.show(exc, secrets=secrets)
            return
        finally:
            cache.data_changed()  # the new project may be the connected store
        status.update(label=t("migration.checked" if dry_run else "migration.done"), state="complete",
                      expanded=False)
    if dry_run:
        st.session_state["mig_checked"] = {"inputs": inputs, "plan": result.plan}
    restored = result.restore
    st.session_state["mig_result"] = {
        "dry_run": dry_run,
        "backup": str(result.backup_path),
        "rows": result.backup_rows,
        "created": result.created_table,
        "written": restored.written if restored else 0,
        "verified": bool(restored and restored.verified),
        "digest": result.digest,
        "source_changed": result.source_changed,
        "notes": list(result.notes),
        "plan": result.plan,
    }


def _show_result() -> None:
    res = st.session_state.get("mig_result")
    if not res:
        return
    plan = res["plan"]
    if res["dry_run"]:
        st.info(t("migration.dry_run_result", writes=plan.writes, deletes=plan.deletes), icon="🔍")
    elif res["verified"]:
        st.success(t("migration.verified", rows=res["rows"], written=res["written"]), icon="✅")
    if res["created"]:
        st.info(t("migration.table_created"), icon="🆕")
    for note in res["notes"]:
        st.info(md(note), icon="ℹ️")
    tables.plan_table(plan)
    if res["digest"] is not None:
        st.caption(t("migration.digest", digest=md(res["digest"].sha256[:16] + "…"), rows=res["digest"].rows))
    if Path(res["backup"]).exists():
        downloads.button("📁 " + t("migration.backup_download"), res["backup"], key="mig_backup_download")


if __name__ == "__main__":  # run by itself, not imported: app.py draws the pages
    navigation.hand_over()
