#!/usr/bin/env bash
# Step 4 of the MVDB migration to Supabase project {{PROJECT_ID}} (bundle by mvdb-backup {{VERSION}}):
# put the data into the new project, with mvdb-backup (python -m mvdb_core). Every command
# validates first, shows its plan, keeps a snapshot, and verifies what it wrote. No key or
# password is stored in this file: they come from environment variables.
#
#   bash 04_restore_data.sh restore mvdb-backup-2024-01-31.json   # from a backup file
#   bash 04_restore_data.sh migrate                               # straight from the old project
#
# Environment:
#   MVDB_SUPABASE_KEY    the NEW project's service_role key (Settings -> API), for the Data API; or
#   MVDB_TARGET_DB_URL   the NEW project's database connection string (Settings -> Database), used
#                        instead of the Data API when set
#   MVDB_SOURCE_URL      with `migrate`: the old project (https://<old>.supabase.co or its database
#                        connection string); MVDB_FROM_KEY: its service_role key for https://
#   MVDB_REMAP_USER      user-id renames OLD=NEW, space-separated (users get new ids in a new project)
#   MVDB_MODE            merge or mirror, when the new table already holds other data
#   MVDB_YES=1           do not ask before writing
#   PYTHON               the Python that has mvdb-backup (default: python3); run from its folder
set -euo pipefail

PROJECT_REF="{{PROJECT_ID}}"
TABLE="{{TABLE}}"
PY="${PYTHON:-python3}"

fail() { echo "error: $*" >&2; exit 1; }
usage() {
  echo "usage: bash $0 restore BACKUP_FILE | bash $0 migrate [OLD_URL]" >&2
  exit 2
}

"$PY" -c "import mvdb_core" 2>/dev/null ||
  fail "$PY cannot import mvdb_core: run this from the mvdb-backup folder (or set PYTHON / PYTHONPATH)"

TARGET="${MVDB_TARGET_DB_URL:-${MVDB_TARGET_URL:-https://$PROJECT_REF.supabase.co}}"
case "$TARGET" in
  http://* | https://*)
    [ -n "${MVDB_SUPABASE_KEY:-}" ] ||
      fail "set MVDB_SUPABASE_KEY to the new project's service_role key (Settings -> API), or MVDB_TARGET_DB_URL to its database connection string"
    ;;
esac

opts=(--table "$TABLE")
for pair in ${MVDB_REMAP_USER:-}; do
  opts+=(--remap-user "$pair")
done
[ "${MVDB_YES:-}" = "1" ] && opts+=(--yes)

case "${1:-}" in
  restore)
    file="${2:-}"
    [ -n "$file" ] || usage
    [ -f "$file" ] || fail "backup file $file not found"
    "$PY" -m mvdb_core verify "$file" || fail "the backup file did not verify; nothing was written"
    "$PY" -m mvdb_core restore "$file" --store "$TARGET" --mode "${MVDB_MODE:-merge}" "${opts[@]}" ||
      fail "the restore did not complete (see above); it is safe to run again"
    ;;
  migrate)
    source_url="${2:-${MVDB_SOURCE_URL:-}}"
    [ -n "$source_url" ] || fail "give the old project: MVDB_SOURCE_URL=https://<old>.supabase.co (with MVDB_FROM_KEY) or its database connection string"
    case "$source_url" in
      http://* | https://*)
        [ -n "${MVDB_FROM_KEY:-}" ] || fail "set MVDB_FROM_KEY to the OLD project's service_role key"
        ;;
    esac
    export MVDB_TO_KEY="${MVDB_TO_KEY:-${MVDB_SUPABASE_KEY:-}}"
    [ -n "${MVDB_MODE:-}" ] && opts+=(--mode "$MVDB_MODE")
    "$PY" -m mvdb_core migrate --from "$source_url" --to "$TARGET" --backup-dir "${MVDB_BACKUP_DIR:-backups}" "${opts[@]}" ||
      fail "the migration did not complete (see above); it is safe to run again"
    ;;
  *)
    usage
    ;;
esac

"$PY" -m mvdb_core stats --store "$TARGET" --table "$TABLE" || fail "could not count the rows in the new project"
echo "Done: the data is in project $PROJECT_REF, table $TABLE."
