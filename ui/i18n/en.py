"""English texts of the dashboard. Same keys as id.py; `{name}` placeholders are filled in by the pages."""

TEXTS: dict[str, str] = {
    # -- app, navigation ------------------------------------------------------------------------
    "app.title": "MVDB Backup & Restore",
    "nav.backup": "Backup",
    "nav.restore": "Restore",
    "nav.migration": "Migration",
    "nav.statistics": "Statistics",
    # -- login ----------------------------------------------------------------------------------
    "login.intro": "Admin dashboard for the MVDB database. Sign in with the admin password.",
    "login.password": "Admin password",
    "login.submit": "Sign in",
    "login.empty": "Type the admin password first.",
    "login.wrong": "Wrong password. For safety, the next attempt is possible in {seconds} s "
                   "(the wait grows after every failed attempt, from any browser).",
    "login.locked": "Too many failed attempts: wait {seconds} s, then try again.",
    "login.bad_hash": "The admin password is configured, but its value is not a valid argon2 hash "
                      "(perhaps the plain password was pasted instead of its hash). Nobody can sign in until "
                      "this is fixed.",
    "login.remote_without_password": "This dashboard has no admin password, and you are opening it from another "
                                     "computer. To protect the data, nothing is shown.",
    "login.how_to_set": "**How to fix it**\n\n"
                        "1. On the computer that runs the dashboard, run `{command}` and type a new password "
                        "(at least 8 characters). It prints a hash starting with `$argon2id$`.\n"
                        "2. Put the hash in `.streamlit/secrets.toml` as `admin_password_hash = \"…\"` "
                        "(or in the environment variable `MVDB_ADMIN_PASSWORD_HASH`).\n"
                        "3. Restart the dashboard and sign in with the password.\n\n"
                        "Without a password the dashboard only answers on this computer itself "
                        "(`http://127.0.0.1:8501`, set by `server.address` in `.streamlit/config.toml`).",
    "login.open_banner": "No admin password is set: this dashboard is only available on this computer. "
                         "Click here to see how to set one.",
    "login.open_exposed": "This server also listens on other network addresses (`server.address` is not "
                          "127.0.0.1). Visitors from other computers see nothing until a password is set.",
    # -- sidebar --------------------------------------------------------------------------------
    "sidebar.language": "Language",
    "sidebar.store": "Connected store",
    "sidebar.pick": "Store",
    "sidebar.kind": "Kind",
    "sidebar.project": "Project",
    "sidebar.host": "Host",
    "sidebar.file": "File",
    "sidebar.table": "Table",
    "sidebar.rows": "Rows",
    "sidebar.table_missing": "The table does not exist yet in this store.",
    "sidebar.empty": "This store holds no rows.",
    "sidebar.demo": "Load demo data",
    "sidebar.demo_help": "Try the dashboard with about {rows} realistic, made-up MVDB rows (movies, actresses, "
                         "favorites, …). Only offered for an empty embedded store.",
    "sidebar.demo_running": "Writing demo data…",
    "sidebar.demo_done": "{rows} demo rows written",
    "sidebar.demo_failed": "The demo data could not be written",
    "sidebar.refresh": "Refresh",
    "sidebar.refresh_help": "Read the row counts again (after the data was changed elsewhere).",
    "sidebar.logout": "Sign out",
    "conn.embedded": "Embedded SQLite",
    "conn.environment": "Environment",
    "conn.secrets": "Secrets",
    "conn.custom_sqlite": "Custom SQLite",
    "conn.custom_postgresql": "Custom PostgreSQL",
    "conn.custom_supabase": "Custom Supabase",
    "kind.sqlite": "Embedded (SQLite file)",
    "kind.postgresql": "PostgreSQL",
    "kind.supabase": "Supabase (Data API)",
    "kind.unknown": "Unknown kind of store",
    "connect.title": "Connect to another store",
    "connect.kind": "Kind of store",
    "connect.sqlite_path": "SQLite file",
    "connect.sqlite_caption": "A path starting with / is absolute (/home/me/mvdb.sqlite3); any other path is relative "
                              "to the folder the dashboard runs in. As a URL: sqlite:///absolute/path (three "
                              "slashes) or sqlite://relative/path.",
    "connect.pg_url": "Connection string",
    "connect.pg_help": "In Supabase: Project Settings → Database → Connection string (URI). It contains the "
                       "database password, so it is never shown again.",
    "connect.supabase_url": "Project URL or project id",
    "connect.supabase_help": "In Supabase: Project Settings → API → Project URL, e.g. https://abcd….supabase.co",
    "connect.key": "API key",
    "connect.key_help": "The service_role key reads every row. The anon key usually sees nothing, because the "
                        "table is protected by row-level security.",
    "connect.table": "Table",
    "connect.button": "Connect",
    "connect.need_address": "Enter the address of the store first.",
    "connect.need_key": "Enter the API key of the Supabase project.",
    # -- categories and groups ------------------------------------------------------------------
    "cat.movies": "Movies",
    "cat.sc_movies": "SC movies",
    "cat.actors": "Actors",
    "cat.actresses": "Actresses",
    "cat.directors": "Directors",
    "cat.studios": "Studios",
    "cat.series": "Series",
    "cat.labels": "Labels",
    "cat.groups": "Groups",
    "cat.tags": "Tags",
    "cat.types": "Types",
    "cat.link_labels": "Link labels",
    "cat.generations": "Generations",
    "cat.lineups": "Lineups",
    "cat.photobooks": "Photobooks",
    "cat.favorites": "Favorites",
    "cat.movie_links": "Movie links",
    "cat.movie_type_colors": "Movie type colors",
    "cat.templates": "Templates",
    "cat.settings": "Settings",
    "cat.saved_galleries": "Saved galleries",
    "cat.other": "Other",
    "group.Total": "Total",
    "group.Movies": "Movies",
    "group.Master data": "Master data",
    "group.Favorites": "Favorites",
    "group.Photobooks": "Photobooks",
    "group.Movie links": "Movie links",
    "group.Movie type colors": "Movie type colors",
    "group.Templates": "Templates",
    "group.Settings": "Settings",
    "group.Other app data": "Other app data",
    "group.Other": "Other",
    "master.actor": "Actor",
    "master.actress": "Actress",
    "master.director": "Director",
    "master.studio": "Studio",
    "master.series": "Series",
    "master.label": "Label",
    "master.group": "Group",
    "master.tag": "Tag",
    "master.type": "Type",
    "master.linklabel": "Link label",
    "master.generation": "Generation",
    "master.lineup": "Lineup",
    "fav.movie": "Movie",
    "fav.image": "Image",
    "fav.cast": "Cast",
    "fav.series": "Series",
    "fav.photobook": "Photobook",
    "fav.unknown": "Unknown",
    # -- table columns --------------------------------------------------------------------------
    "col.category": "Category",
    "col.group": "Group",
    "col.rows": "Rows",
    "col.bytes": "Bytes",
    "col.done": "Done",
    "col.total": "Total",
    "col.status": "Status",
    "col.added": "Added",
    "col.changed": "Changed",
    "col.unchanged": "Unchanged",
    "col.extra": "Extra in store",
    "col.difference": "Difference",
    "col.type": "Type",
    "col.year": "Release year",
    "col.movies": "Movies",
    "col.key": "Key",
    # -- uploads, progress ------------------------------------------------------------------------
    "upload.earlier": "Backup file: {file} (uploaded earlier).",
    "upload.forget": "Remove",
    "upload.forget_help": "Forget this file (it is deleted from the server).",
    "progress.of": "{stage}: {done} of {total} rows",
    "stage.backup": "Backing up",
    "stage.plan": "Comparing the file with the store",
    "stage.write": "Writing",
    "stage.verify": "Verifying row by row",
    "stage.digest": "Computing the content digest",
    "stage.source_digest": "Re-reading the source",
    "stage.demo": "Writing demo data",
    "stage.snapshot": "Taking the snapshot",
    "stage.export": "Reading the snapshot",
    # -- backup ---------------------------------------------------------------------------------
    "backup.title": "Backup",
    "backup.intro": "Save every row of the database into one file, mvdb-backup-YYYY-MM-DD.json. Supabase's free "
                    "plan makes no backups, and paused projects can be lost: keep this file somewhere safe.",
    "backup.source": "Backing up **{store}**, table {table}.",
    "backup.create": "Create backup",
    "backup.running": "Creating the backup…",
    "backup.counting": "Counting the rows per category…",
    "backup.progress": "{done} of {total} rows",
    "backup.done": "Backup complete: {rows} rows",
    "backup.failed": "The backup failed",
    "backup.ready": "The backup is ready: {rows} rows in {file}.",
    "backup.download": "Download backup",
    "backup.saved_at": "A copy stays on the server in {path} (sha256 {sha}…).",
    "backup.summary": "Summary",
    "backup.tips": "Tips: make a backup every week or month and before every update; keep copies in two places "
                   "(cloud storage, an external drive); test a restore now and then on the Restore page.",
    "backup.table_missing": "The table {table} does not exist in this store, so there is nothing to back up.",
    "backup.missing_reason": "**Details:** {reason}",
    "backup.table_missing_todo_sqlite": "**What to do:** this is the embedded store and it is still empty. "
                                        "Load demo data from the sidebar, restore a backup file on the Restore "
                                        "page, or connect to your Supabase project in the sidebar.",
    "backup.table_missing_todo_remote": "**What to do:** check the table name in the sidebar (MVDB uses "
                                        "`kv_store_cd38bf14`) and that you connected to the right project. In a "
                                        "new project, create the table first (Migration page, step 2).",
    "backup.empty": "The table {table} returned **0 rows**. No backup was made: an empty backup would look "
                    "valid while it saves nothing.",
    "backup.empty_reason": "**Why:** {reason}",
    "backup.empty_todo_sqlite": "**What to do:** load demo data from the sidebar, or restore a backup file.",
    "backup.empty_todo_remote": "**What to do:** the MVDB table is protected by row-level security, so the "
                                "**anon key sees no rows**. Connect with the **service_role key** (Supabase → "
                                "Project Settings → API) or with the database connection string, then try again.",
    # -- restore --------------------------------------------------------------------------------
    "restore.title": "Restore",
    "restore.intro": "Put the data of a backup file back into the connected store. The file is checked "
                     "completely first; you see exactly what will change before anything is written; the "
                     "values that get overwritten are saved in a safety snapshot.",
    "restore.target": "Restoring into **{store}**, table {table} (change it in the sidebar).",
    "restore.upload": "Upload a backup file (.json, .json.zst, .json.gz, .age)",
    "restore.upload_help": "A file made by this dashboard, by `python -m mvdb_core backup`, or by MVDB's own "
                           "Backup & Restore feature (version 2.0.0). Up to 1 GB.",
    "restore.no_file": "Choose a backup file to begin. Nothing is written until you confirm.",
    "restore.validating": "Checking the file…",
    "restore.invalid": "The file {file} cannot be restored: it is not a sound MVDB backup.",
    "restore.valid": "{file} is a valid backup with {rows} rows.",
    "restore.empty_file": "This backup holds no rows: there is nothing to restore.",
    "restore.metadata": "About this file",
    "restore.meta_date": "Made on (UTC)",
    "restore.meta_source": "Source",
    "restore.meta_version": "Format version",
    "restore.meta_rows": "Rows",
    "restore.legacy_note": "This file was made by MVDB's own backup feature (format 2.0.0). That feature stored "
                           "master data (actresses, studios, tags, …) in a form the app cannot read back; with "
                           "*legacy repair* (on by default) those rows are restored the way the app expects.",
    "restore.options": "Options",
    "restore.mode": "Mode",
    "restore.mode_merge": "Merge",
    "restore.mode_mirror": "Mirror",
    "restore.mode_merge_help": "Write the backup's rows; rows that exist only in the store stay.",
    "restore.mode_mirror_help": "Make the chosen categories exactly like the backup: rows that are not in the "
                                "backup are deleted.",
    "restore.all_categories": "All categories in the file ({n})",
    "restore.categories": "Categories",
    "restore.categories_help": "Restore only some categories; the others are left as they are.",
    "restore.legacy_repair": "Legacy repair of master data",
    "restore.legacy_repair_help": "Only for files of MVDB's own backup feature (2.0.0): store master data as "
                                  "the JSON text the app expects.",
    "restore.remap": "User id remap (optional, one OLD=NEW per line)",
    "restore.remap_help": "In a new Supabase project users get new ids. Favorites and per-user settings of the "
                          "old id are moved to the new one.",
    "restore.no_categories": "Choose at least one category.",
    "restore.plan_button": "Check what will change (dry run)",
    "restore.planning": "Comparing the file with the store…",
    "restore.plan_failed": "The check failed",
    "restore.plan_outdated": "The options changed: check again what will change.",
    "restore.plan_title": "What will change ({mode})",
    "restore.plan_title_done": "What the restore changed ({mode})",
    "restore.plan_summary": "**{added}** rows will be added, **{changed}** changed; **{unchanged}** are already "
                            "equal; **{extra}** rows are only in the store.",
    "restore.extra_merge": "The {extra} rows that are only in the store stay untouched (merge).",
    "restore.extra_mirror": "⚠️ The {extra} rows that are only in the store will be **deleted** (mirror). "
                            "They are kept in the safety snapshot.",
    "restore.repaired": "Legacy repair: {n} master data rows will be stored as JSON text.",
    "restore.remapped": "User remap: {keys} per-user keys renamed, {values} values with a user id rewritten.",
    "restore.nothing_to_do": "The store already holds exactly this backup: nothing to write.",
    "restore.confirm": "I have checked the table above: write {writes} rows and delete {deletes} rows in {table} "
                       "of {store}.",
    "restore.run": "Restore now",
    "restore.running": "Restoring…",
    "restore.changed_since_plan": "The store changed since you checked: nothing was written",
    "restore.changed_since_plan_help": "Someone or something changed the store after you checked what will change. "
                                       "Nothing was written. Check again, then confirm the new plan.",
    "restore.failed": "The restore failed",
    "restore.done": "Restore complete and verified",
    "restore.verified": "Restore complete: {written} rows written, {deleted} deleted. **Verification passed**: "
                        "every row of the backup is in the store with the same value.",
    "restore.snapshot_help": "The safety snapshot holds the previous values of every row that was overwritten "
                             "or deleted. Restore it (merge) to undo.",
    "restore.snapshot_download": "Download safety snapshot",
    "restore.no_snapshot": "No existing row was overwritten, so no safety snapshot was needed.",
    "restore.see_statistics": "Compare the store with the backup on the Statistics page",
    # -- statistics -----------------------------------------------------------------------------
    "stats.title": "Statistics",
    "stats.intro": "What the connected store and a backup file hold, side by side.",
    "stats.upload": "Backup file to compare (optional; .json, compressed or encrypted)",
    "stats.upload_help": "Upload a backup to see its statistics next to the store's.",
    "stats.reading_store": "Reading the store…",
    "stats.reading_backup": "Reading the backup file…",
    "stats.table_missing": "The table {table} does not exist in the connected store.",
    "stats.nothing": "Nothing to show yet: connect a store with data, or upload a backup file.",
    "stats.side_store": "Store: {store}",
    "stats.side_backup": "Backup: {file}",
    "stats.totals": "Totals",
    "stats.size": "Size of the values: {mb} MB",
    "stats.compare": "Store and backup compared",
    "stats.same": "The store and the backup hold the same number of rows in every category.",
    "stats.differs": "The row counts differ in {n} categories.",
    "stats.col_store": "Store",
    "stats.col_backup": "Backup",
    "stats.per_category": "Rows per category",
    "stats.master_and_favorites": "Master data and favorites by type",
    "stats.master_by_type": "Master data by type",
    "stats.favorites_by_type": "Favorites by type",
    "stats.none": "None.",
    "stats.years": "Movies per release year",
    "stats.unknown": "unknown",
    "stats.largest": "Largest values",
    "stats.largest_help": "The rows with the biggest values (very large values slow the app down).",
    # -- migration ------------------------------------------------------------------------------
    "migration.title": "Migration",
    "migration.intro": "Move MVDB to a new Supabase project, for example when the old one was paused or is about "
                       "to be lost.",
    "migration.guide_title": "Step-by-step guide",
    "migration.guide": "1. **Make a backup** of the old project on the Backup page and keep the file.\n"
                       "2. **Create a new Supabase project** at supabase.com. Note its **project id** (the "
                       "`<id>` in `https://<id>.supabase.co`) and its **anon key** (Project Settings → API).\n"
                       "3. **Create the table**: run the SQL below (file `01_create_table.sql` of the bundle) in "
                       "the new project's SQL Editor. It is safe to run twice.\n"
                       "4. **Download the migration bundle** (step 2 on this page) and unpack it.\n"
                       "5. **Point the app at the new project**: in the folder of the MVDB app's source run "
                       "`python 02_update_app_config.py` (it only shows the changes), then "
                       "`python 02_update_app_config.py --apply`.\n"
                       "6. **Deploy the edge function**: run `03_deploy_functions.sh` (needs the Supabase CLI).\n"
                       "7. **Copy the data**: use *Migrate now* below, or restore your backup file into the new "
                       "project on the Restore page, or run `04_restore_data.sh`.\n"
                       "8. **Check**: the verification must pass, and the Statistics page must show the same "
                       "counts for the new project as for the backup. Then sign in to the app and look around.\n\n"
                       "**If it fails:** a wrong project id or key gives *unauthorized* (copy them again from "
                       "Project Settings → API); *table does not exist* means step 3 was skipped; run the "
                       "scripts inside the app's folder.",
    "migration.new_project": "The new project",
    "migration.project": "New project id or URL",
    "migration.project_help": "The `<id>` in https://<id>.supabase.co (Project Settings → General).",
    "migration.anon_key": "New anon key",
    "migration.anon_help": "Project Settings → API → anon public. The app needs it; it goes into the bundle's "
                           "configuration script only.",
    "migration.old_project": "Old project id (optional)",
    "migration.old_project_help": "Helps the configuration script find every place to change in the app's source.",
    "migration.bundle_title": "Migration bundle",
    "migration.bundle_help": "A zip with the SQL for the table, a script that points the app's source at the new "
                             "project, the deploy commands, the restore command and a README (English and "
                             "Indonesian). No service key or database password is ever put in it.",
    "migration.bundle_button": "Generate migration bundle",
    "migration.bundle_ready": "The bundle is ready ({n} files).",
    "migration.bundle_download": "Download bundle (.zip)",
    "migration.need_project_and_key": "Enter the new project id and its anon key first.",
    "migration.same_project": "The old project id is the same as the new project id.",
    "migration.sql_title": "SQL to create the table in the new project",
    "migration.now_title": "Migrate now",
    "migration.now_help": "Copy every row of **{source}** into the new project, then prove the copy is complete "
                          "(row by row and by digest). A backup of the source is written first.",
    "migration.target_kind": "Reach the new project through",
    "migration.target_postgresql": "Database connection string (recommended)",
    "migration.target_supabase": "Data API with the service_role key",
    "migration.db_url": "Database connection string of the new project",
    "migration.service_key": "service_role key of the new project",
    "migration.service_key_help": "Project Settings → API → service_role. It is used for this copy only, stays in "
                                  "this browser session, and is never shown or written to a file.",
    "migration.mode": "If the new project already holds data",
    "migration.mode_auto": "Stop and show me",
    "migration.mode_merge": "Merge",
    "migration.mode_mirror": "Mirror (delete other rows)",
    "migration.create_table": "Also set up an existing table as the app needs it",
    "migration.create_table_help": "A missing table is always created with the app's index, Row Level Security and "
                                   "policy. Tick this to apply them to a table that is already there too. Only with a "
                                   "database connection string; through the Data API run the SQL above.",
    "migration.confirm": "Copy the data of {source} into the new project.",
    "migration.now_button": "Migrate now",
    "migration.running": "Migrating…",
    "migration.check_button": "Check first (dry run)",
    "migration.check_help": "Backs up the source and compares it with the new project; writes nothing there.",
    "migration.checking": "Checking…",
    "migration.checked": "Check complete: nothing was written to the new project",
    "migration.dry_run_result": "Dry run: the migration would write {writes} rows and delete {deletes} in the new "
                                "project. Nothing was written there.",
    "migration.failed": "The migration failed",
    "migration.done": "Migration complete and verified",
    "migration.mode_required": "The new project already holds other data",
    "migration.mode_required_help": "Nothing was written. Look at the table below, then choose *Merge* or "
                                    "*Mirror* and start again.",
    "migration.verified": "Migration complete: {rows} rows in the source, {written} written. **Verification "
                          "passed**: the new project holds exactly the source's data.",
    "migration.table_created": "The table was created in the new project.",
    "migration.digest": "Content digest of the migrated rows: {digest} ({rows} rows).",
    "migration.backup_download": "Download the source backup",
    "migration.need_db_url": "Enter the database connection string of the new project.",
    "migration.need_project": "Enter the new project id or URL.",
    "migration.need_key": "Enter the service_role key of the new project.",
    # -- errors: what happened, what to do --------------------------------------------------------
    "error.invalid_backup": "The file is not a valid MVDB backup.",
    "error.verification": "The verification failed.",
    "error.store": "The store could not be read or written.",
    "error.usage": "A value is not right.",
    "error.generic": "The operation failed.",
    "error.disk_full": "The disk is full.",
    "error.plan_changed": "The store changed since the check.",
    "error.store_busy": "The store is busy.",
    "error.missing_module": "A part of this installation is missing.",
    "error.unexpected": "Something unexpected went wrong.",
    "hint.invalid_backup": "**What to do:** choose a file made by this dashboard, by the command line tool or by "
                           "MVDB's own backup feature (mvdb-backup-….json). A file that was edited, cut off "
                           "(incomplete download) or saved again by another program cannot be restored safely.",
    "hint.verification": "**What to do:** the store did not hold what was written. In a PostgreSQL or SQLite "
                         "store the restore was rolled back and nothing changed; through the Data API the safety "
                         "snapshot keeps the values it overwrote. Run the restore again.",
    "hint.table_missing": "**What to do:** the table is missing. In a Supabase project, run the SQL from the "
                          "Migration page (`01_create_table.sql`) in the SQL Editor. Check the table name in the "
                          "sidebar (MVDB uses `kv_store_cd38bf14`).",
    "hint.missing_file": "**What to do:** check the file path. A path starting with / is absolute; in a URL that "
                         "is sqlite:/// with three slashes (sqlite://data/x.db is relative to the folder the "
                         "dashboard runs in).",
    "hint.bad_login": "**What to do:** the store refused the login. For a connection string, check the user name "
                      "and the password (Supabase → Project Settings → Database). For the Data API, check the "
                      "project URL and the key (Project Settings → API); for backups use the service_role key.",
    "hint.busy": "**What to do:** another restore is writing to this table. Nothing was changed; try again when "
                 "it has finished.",
    "hint.plan_changed": "**What to do:** nothing was written. Check again what will change (make the plan again), "
                         "then confirm the new plan.",
    "hint.disk_full": "**What to do:** free some disk space on the server, then try again. The unfinished file was "
                      "removed.",
    "hint.permission": "**What to do:** this connection is not allowed to do it: through the Data API use the "
                       "service_role key (row-level security hides the rest) or the database connection string; "
                       "for a file, check that it may be written.",
    "hint.no_connection": "**What to do:** check the address and the internet connection. A paused Supabase "
                          "project must first be restored in the Supabase dashboard. Then refresh and try again.",
    "hint.store": "**What to do:** check the connection in the sidebar, refresh, and try again.",
    "hint.usage": "**What to do:** correct the value and try again.",
    "hint.generic": "**What to do:** try again; if it keeps failing, run the same step with the command line "
                    "tool (`python -m mvdb_core --debug …`) to see the details.",
    "hint.missing_module": "**What to do:** install the requirements again (`pip install -r requirements.txt`) "
                           "and restart the dashboard.",
    "hint.unexpected": "**What to do:** refresh the page and try again. Your data was not changed by a step "
                       "that failed before writing; a failed restore can simply be run again. The server log "
                       "has a short note for the administrator.",
    # -- sealed files, keys, repositories -----------------------------------------------------
    "nav.snapshots": "Snapshots",
    "keys.identity": "age identity file (the private key)",
    "keys.identity_help": "The key.txt file age-keygen wrote (a line AGE-SECRET-KEY-1…). It is only read in "
                          "memory, never stored or shown.",
    "keys.passphrase": "Passphrase",
    "keys.repo_identity": "The repository's age identity file (needed to read snapshots)",
    "keys.repo_passphrase": "The repository's passphrase",
    "keys.encrypted_identity": "{file} is encrypted with age: upload the identity file (private key) whose public "
                               "key it was encrypted to.",
    "keys.encrypted_passphrase": "{file} is encrypted with a passphrase: type it below.",
    "keys.decoding": "Decrypting and unpacking the file…",
    "keys.cannot_open": "The file {file} could not be opened.",
    "repo.pick": "Repository",
    "repo.where": "Location {where}; {encryption}.",
    "repo.enc_age": "encrypted with age public keys",
    "repo.enc_passphrase": "encrypted with a passphrase",
    "repo.enc_none": "not encrypted",
    "repo.snapshot": "Snapshot",
    "repo.rows": "{rows} rows",
    "repo.empty": "This repository holds no snapshot yet. Take one on the Backup page.",
    "repo.key_needed": "Give the repository's key above to list its snapshots.",
    "repo.exporting": "Reading the snapshot…",
    "backup.compress": "Compress the download",
    "backup.compress_none": "No",
    "backup.compress_help": "zstd makes the file about five times smaller; gzip opens everywhere. The restore "
                            "page reads both.",
    "backup.recipient": "Encrypt to an age public key (optional)",
    "backup.recipient_help": "Paste the public key (age1…) of whoever may read the backup. Only the matching "
                             "private key (identity file) opens it again: keep that somewhere safe.",
    "backup.recipient_invalid": "This is not an age public key: no backup was made.",
    "backup.encrypted_note": "This file is encrypted: restoring it needs the identity file of the public key above.",
    "backup.repo_title": "Save to a repository",
    "backup.repo_intro": "A repository keeps many snapshots for little more than the size of one: only what "
                         "changed since the last snapshot is added.",
    "backup.repo_none": "No snapshot repository is configured. Add one to `.streamlit/secrets.toml` as "
                        "`[repositories.NAME]` with `url = \"s3://bucket/prefix\"` (or a folder) and, for S3, "
                        "`aws_access_key_id`, `aws_secret_access_key`, `endpoint_url`, `region`.",
    "backup.repo_tags": "Tags (optional, separated by commas)",
    "backup.repo_tags_help": "Labels shown in the list of snapshots, e.g. before-update.",
    "backup.repo_save": "Save a snapshot",
    "backup.repo_running": "Saving the snapshot…",
    "backup.repo_failed": "The snapshot failed",
    "backup.repo_done_short": "Snapshot {id} saved",
    "backup.repo_done": "Snapshot {id} saved in {repo}: {rows} rows.",
    "backup.repo_sizes": "**{added}** added ({new} new parts), **{reused}** reused ({old} parts already in the "
                         "repository).",
    "restore.from_snapshot": "Restoring snapshot {id} of the repository {repo}, taken {time} (UTC).",
    "restore.snapshot_drop": "Other file",
    "restore.repo_title": "Or restore a snapshot from a repository",
    "restore.repo_use": "Use this snapshot",
    "snapshots.title": "Snapshots",
    "snapshots.intro": "The snapshots in a repository: list them, see what one holds, download it as a backup "
                       "file, or restore it.",
    "snapshots.none": "No snapshot repository is configured. Add one to `.streamlit/secrets.toml` as "
                      "`[repositories.NAME]` with `url = \"s3://bucket/prefix\"` (or a folder) and, for S3, "
                      "`aws_access_key_id`, `aws_secret_access_key`, `endpoint_url`, `region`.",
    "snapshots.list": "{n} snapshots, newest first",
    "snapshots.col_time": "Time (UTC)",
    "snapshots.col_id": "Id",
    "snapshots.col_tags": "Tags",
    "snapshots.col_added": "Added to the repository",
    "snapshots.key_needed": "The snapshots are encrypted: give the repository's key above to see their rows, "
                            "download or restore one.",
    "snapshots.counts": "Rows in snapshot {id}",
    "snapshots.download_title": "Download",
    "snapshots.format": "Format",
    "snapshots.format_plain": "Plain (.json)",
    "snapshots.prepare": "Prepare the file",
    "snapshots.export_done": "The file is ready",
    "snapshots.export_failed": "The snapshot could not be read",
    "snapshots.download": "Download snapshot",
    "snapshots.restore_title": "Restore",
    "snapshots.restore_help": "Opens the Restore page with this snapshot: it is checked, you see what will change, "
                              "and nothing is written before you confirm.",
    "snapshots.restore": "Restore this snapshot",
    "error.repository": "The repository could not be read or written.",
    "hint.repository": "**What to do:** check the repository's address and credentials in "
                       "`.streamlit/secrets.toml`, and that the bucket or folder exists.",
    # -- jobs ---------------------------------------------------------------------------------
    "nav.jobs": "Jobs",
    "jobs.title": "Jobs",
    "jobs.intro": "The scheduled backup job: every run it recorded in its repository, the last check and restore "
                  "drill, what the retention policy would remove, a run now, and the schedule to install. The job "
                  "itself runs from cron, a systemd timer or GitHub Actions, not inside the dashboard.",
    "jobs.none": "No backup job is configured. Copy `examples/mvdb-job.toml`, edit it (every key is explained in "
                 "`docs/jobs.md`), create its repository once with `python -m mvdb_core init --repo …`, then show "
                 "the dashboard where the file is: the environment variable `{env}=/path/to/mvdb-job.toml`, or in "
                 "`.streamlit/secrets.toml`:",
    "jobs.config_broken": "The job config cannot be used: {problem}",
    "jobs.config_fix": "Correct the file (every key is explained in `docs/jobs.md`, an example is "
                       "`examples/mvdb-job.toml`); `${NAME}` values must be set in the dashboard's environment too.",
    "jobs.history_unreadable": "The run history cannot be read from the repository (see the message above); "
                               "the schedules below need no repository.",
    "jobs.name": "Job",
    "jobs.repository": "Repository",
    "jobs.store": "Store",
    "jobs.schedule": "Schedule",
    "jobs.every": "every {interval} at {at} UTC (late after {grace} more)",
    "jobs.retention": "Retention",
    "jobs.no_policy": "no policy: every snapshot is kept",
    "jobs.all": "all",
    "jobs.run_now": "Run now",
    "jobs.run_now_help": "One run of the job from here: snapshot, forget and prune, check, and a drill when one "
                         "is due; it is recorded and alerts like a scheduled run.",
    "jobs.running": "Running job {name}…",
    "jobs.busy_title": "Another run is in progress",
    "jobs.busy": "The job is running elsewhere right now, so nothing was started: try again when it has "
                 "finished. ({detail})",
    "jobs.run_failed_to_start": "The run could not start",
    "jobs.ran_ok": "Run of {time} UTC finished: all steps passed",
    "jobs.ran_failed": "Run of {time} UTC finished with a failed step",
    "jobs.no_runs": "The job has not run yet. Run it now, or install one of the schedules below.",
    "jobs.last_check": "Last check",
    "jobs.no_check": "No check has run yet.",
    "jobs.check_detail": "{leaves} parts in the repository, {read} of them read and checked.",
    "jobs.last_drill": "Last restore drill",
    "jobs.no_drill": "No restore drill has run yet",
    "jobs.drill_detail": "Snapshot {id} restored into a throwaway store and checked: {rows} rows in {seconds}.",
    "jobs.history": "Run history, newest first",
    "jobs.legend": "✅ ok · ❌ failed · ⏭️ skipped",
    "jobs.col_started": "Started (UTC)",
    "jobs.col_took": "Took",
    "jobs.col_added": "Size added",
    "jobs.col_error": "Error, warnings",
    "jobs.col_reasons": "Kept because",
    "jobs.step_snapshot": "Snapshot",
    "jobs.step_forget": "Forget",
    "jobs.step_check": "Check",
    "jobs.step_drill": "Drill",
    "jobs.result_ok": "✅ ok",
    "jobs.result_failed": "❌ failed",
    "jobs.result_skipped": "⏭️ skipped",
    "jobs.preview_title": "Retention preview: what forget and prune would do now",
    "jobs.preview_no_policy": "The job has no retention policy: every snapshot is kept.",
    "jobs.preview_failed": "The preview could not be made: {problem}",
    "jobs.preview_intro": "Policy: {policy}. Nothing is removed here; the next run does this.",
    "jobs.preview_keep": "**Snapshots kept: {n}**",
    "jobs.preview_remove": "**Snapshots removed: {n}**",
    "jobs.preview_prune": "Prune would then delete the parts no snapshot uses any more: **{leaves}**, freeing "
                          "**{size}**.",
    "jobs.preview_no_prune": "Prune is off for this job (`prune = false`): no parts are deleted.",
    "jobs.schedules": "Install a schedule",
    "jobs.schedules_intro": "Ready to copy, for this machine: Python {python}, working folder {folder}. Secrets "
                            "stay out of every unit (an environment file, or the repository's secrets on GitHub).",
    "jobs.bucket_last": "last",
    "jobs.bucket_hourly": "hourly",
    "jobs.bucket_daily": "daily",
    "jobs.bucket_weekly": "weekly",
    "jobs.bucket_monthly": "monthly",
    "jobs.bucket_yearly": "yearly",
    "jobs.reason_bucket": "{bucket} snapshot",
    "jobs.reason_oldest": "oldest {bucket} snapshot",
    "jobs.reason_bucket_within": "{bucket} within {duration}",
    "jobs.reason_oldest_within": "oldest {bucket} within {duration}",
    "jobs.reason_within": "within {duration}",
    "jobs.reason_tags": "has tags {tags}",
    "jobs.weeks_one": "1 week",
    "jobs.weeks_many": "{n} weeks",
    "jobs.days_one": "1 day",
    "jobs.days_many": "{n} days",
    "jobs.hours_one": "1 hour",
    "jobs.hours_many": "{n} hours",
    "jobs.minutes_one": "1 minute",
    "jobs.minutes_many": "{n} minutes",
    "jobs.age_days": "{n} days",
    "jobs.age_hours": "{n} hours",
    "jobs.age_minutes": "{n} minutes",
    "jobs.banner_late": "**Backups are late:** job {name} has made no successful backup since {time} UTC ({ago} "
                        "ago); it should run every {interval}.",
    "jobs.banner_never": "**Backups are late:** job {name} has not made a successful backup in {runs} runs since "
                         "{time} UTC.",
    "jobs.banner_failed": "**The last backup run failed:** job {name}, {time} UTC, at the **{step}** step: {error}",
    "jobs.banner_failed_nostep": "**The last backup run failed:** job {name}, {time} UTC.",
    "jobs.banner_config": "The backup job's config cannot be read, so nobody can tell whether backups run: "
                          "{problem}",
    "jobs.banner_unreadable": "The backup job's history cannot be read: {problem}",
    "jobs.banner_open": "Open the Jobs page",
    "jobs.alert_problem": "alert not delivered: {problem}",
    # -- browse -----------------------------------------------------------------------------------
    "nav.browse": "Browse",
    "browse.title": "Browse",
    "browse.intro": "Look inside the connected store, a backup file or a snapshot without restoring it: pick a "
                    "category, search, select rows to see their whole value, and bring back just those rows.",
    "browse.source": "Source",
    "browse.source_store": "Connected store",
    "browse.source_file": "Backup file",
    "browse.source_snapshot": "Repository snapshot",
    "browse.store_note": "Reading {store}.",
    "browse.read_again": "Read again",
    "browse.upload": "Backup file to look inside",
    "browse.no_file": "Choose a backup file (plain, .gz, .zst or .age) to see its rows.",
    "browse.category": "Category",
    "browse.every_category": "Every category",
    "browse.search": "Search",
    "browse.search_placeholder": "part of a key, a title, a name, a code…",
    "browse.limit": "Rows",
    "browse.reading": "Reading rows…",
    "browse.nothing": "No row matches.",
    "browse.more": "The first {n} rows are shown; there are more: narrow the search or pick a category.",
    "browse.all": "{n} rows.",
    "browse.csv": "Export this table as CSV",
    "browse.select_help": "Pick rows (the boxes at the left of the table) to see their whole value and to "
                          "restore them. Rows picked stay picked through another search.",
    "browse.clear": "Clear",
    "browse.selected": "{n} rows picked",
    "browse.store_no_restore": "These rows are the store's own. To bring back an older version of a row, browse "
                               "a backup file or a snapshot and select the row there.",
    "browse.restore_title": "Restore the {n} picked rows",
    "browse.restore_help": "Into {store}, table {table}. Only these rows are compared and written (merge): "
                           "nothing else in the store is touched.",
    "restore.changed_rows": "{category}: {n} changed rows, the store's value beside the backup's",
    "restore.changed_more": "The first {n} are shown.",
    "col.field": "Field",
    "col.in_store": "In the store now",
    "col.in_backup": "In the backup",
    # -- browse: column titles of well-known fields (others keep their name) ----------------------
    "field.code": "Code",
    "field.titleEn": "Title",
    "field.titleJp": "Title (Japanese)",
    "field.releaseDate": "Release date",
    "field.cover": "Cover",
    "field.name": "Name",
    "field.jpname": "Name (Japanese)",
    "field.type": "Type",
    "field.actress": "Actresses",
    "field.actors": "Actors",
    "field.director": "Director",
    "field.studio": "Studio",
    "field.series": "Series",
    "field.label": "Label",
    "field.tags": "Tags",
    "field.duration": "Minutes",
    "field.createdAt": "Created",
    "field.updatedAt": "Updated",
    "field.birthdate": "Born",
    "field.description": "Description",
    "field.link": "Link",
    "field.profilePicture": "Picture",
    "field.value": "Value",
}
