#!/usr/bin/env bash
# Step 3 of the MVDB migration to Supabase project {{PROJECT_ID}} (bundle by mvdb-backup {{VERSION}}):
# link the app's folder to the new project, set the edge function's secrets, deploy the function
# {{FUNCTION_NAME}}, and check that it answers. Every step is checked; the script stops at the
# first failure. No secret is stored in this file: values come from environment variables.
#
#   supabase login                                   # once, opens the browser
#   bash 03_deploy_functions.sh /path/to/mvdb-app    # default: the current folder
#
# Environment:
#   SUPABASE_DB_PASSWORD   the new project's database password, for `supabase link` (asked if unset)
#   MVDB_FUNCTION_SECRETS  names of extra secrets to set, space-separated (e.g. "OPENAI_API_KEY");
#                          each value is read from the environment variable of that name.
#   The function itself needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: Supabase provides them
#   to every edge function; names starting with SUPABASE_ cannot be set by hand.
set -euo pipefail

PROJECT_REF="{{PROJECT_ID}}"
FUNCTION_NAME="{{FUNCTION_NAME}}"
INFO="src/utils/supabase/info.tsx"

fail() { echo "error: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }

APP_DIR="${1:-.}"
cd "$APP_DIR" 2>/dev/null || fail "folder $APP_DIR not found"
[ -d "supabase/functions/$FUNCTION_NAME" ] ||
  fail "supabase/functions/$FUNCTION_NAME not found in $(pwd): run this inside the MVDB app's source folder (or pass it)"
command -v supabase >/dev/null 2>&1 ||
  fail "the Supabase CLI is not installed: see https://supabase.com/docs/guides/cli (e.g. 'npm install -g supabase'), then run 'supabase login'"
if [ -f "$INFO" ] && ! grep -Eq "projectId *= *[\"'\`]$PROJECT_REF[\"'\`]" "$INFO"; then
  fail "$INFO does not point at $PROJECT_REF yet: run 02_update_app_config.py --apply first"
fi

tmpdir="$(mktemp -d)"
trap 'rm -rf "$tmpdir"' EXIT

step "1/4 Linking $(pwd) to project $PROJECT_REF"
supabase link --project-ref "$PROJECT_REF" ||
  fail "'supabase link' failed: run 'supabase login' first; the database password is asked for (or read from SUPABASE_DB_PASSWORD)"

step "2/4 Setting the function's secrets"
if [ -n "${MVDB_FUNCTION_SECRETS:-}" ]; then
  envfile="$tmpdir/secrets.env"
  (umask 077 && : > "$envfile")
  for name in $MVDB_FUNCTION_SECRETS; do
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail "invalid secret name '$name' in MVDB_FUNCTION_SECRETS"
    case "$name" in
      SUPABASE_*) fail "$name: names starting with SUPABASE_ are reserved; Supabase sets them itself" ;;
    esac
    [ -n "${!name:-}" ] || fail "environment variable $name is not set: export $name=... and run again (secret values are never stored in this bundle)"
    case "${!name}" in
      *$'\n'*) fail "the value of $name spans several lines; set it with 'supabase secrets set' by hand" ;;
    esac
    printf '%s=%s\n' "$name" "${!name}" >> "$envfile"
    echo "  $name (value from the environment)"
  done
  supabase secrets set --project-ref "$PROJECT_REF" --env-file "$envfile" ||
    fail "'supabase secrets set' failed"
else
  echo "  no extra secrets requested (MVDB_FUNCTION_SECRETS is empty)"
fi

step "3/4 Deploying $FUNCTION_NAME"
supabase functions deploy "$FUNCTION_NAME" --project-ref "$PROJECT_REF" ||
  fail "'supabase functions deploy $FUNCTION_NAME' failed"

step "4/4 Checking"
supabase secrets list --project-ref "$PROJECT_REF" > "$tmpdir/secrets.txt" ||
  fail "'supabase secrets list' failed"
for name in SUPABASE_URL SUPABASE_SERVICE_ROLE_KEY; do
  grep -q "$name" "$tmpdir/secrets.txt" ||
    echo "  warning: $name is not listed; Supabase normally provides it to every edge function"
done
anon=""
if [ -f "$INFO" ]; then
  anon="$(sed -nE "s/.*publicAnonKey *= *[\"'\`]([^\"'\`]+)[\"'\`].*/\1/p" "$INFO" | head -n 1)"
fi
url="https://$PROJECT_REF.supabase.co/functions/v1/$FUNCTION_NAME/health"
if ! command -v curl >/dev/null 2>&1 || [ -z "$anon" ]; then
  echo "  skipped the health check (needs curl and the anon key in $INFO): open $url"
else
  ok=""
  for attempt in 1 2 3 4 5; do
    if curl -fsS --max-time 20 -H "Authorization: Bearer $anon" "$url" > "$tmpdir/health.json" 2>/dev/null; then
      ok=1
      break
    fi
    sleep 3
  done
  [ -n "$ok" ] || fail "$url does not answer; see the function's logs in the Supabase dashboard"
  echo "  $url: $(head -c 200 "$tmpdir/health.json")"
fi

printf '\nDone: %s is deployed to project %s. Next: 04_restore_data.sh\n' "$FUNCTION_NAME" "$PROJECT_REF"
