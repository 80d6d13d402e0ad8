"""The admin's whole path in a real browser: Debian's Chromium driven by Playwright, against `streamlit run app.py`.

Log in, load demo data, back up and download the file, change data behind the dashboard's back,
upload the file, restore it, see the verification pass and the statistics match. Screenshots of
every page go to docs/screenshots/ (or $MVDB_SCREENSHOT_DIR).

Needs /usr/bin/chromium (`apt-get install chromium`; never `playwright install`) and the
playwright Python package. Without them these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import orjson
import pytest
from browser_support import ARGS, CHROMIUM, TIMEOUT, dashboard, require_browser

from mvdb_core.backup_file import BackupFile
from mvdb_core.restore import RestoreOptions, plan_restore
from mvdb_core.stores import open_store
from ui import auth

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "browser test password"
SHOTS = Path(os.environ.get("MVDB_SCREENSHOT_DIR") or ROOT / "docs" / "screenshots")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on a free loopback port, in a scratch folder with its own SQLite store."""
    require_browser()
    work = tmp_path_factory.mktemp("dashboard")
    store_url = f"sqlite://{work}/data/mvdb.sqlite3"  # the same file the app sees as data/mvdb.sqlite3
    env = {"MVDB_STORE_URL": "sqlite://data/mvdb.sqlite3", "MVDB_ADMIN_PASSWORD_HASH": auth.hash_password(PASSWORD)}
    with dashboard(work, env, secrets=(PASSWORD,)) as base:
        yield {"base": base, "store": store_url, "work": work}


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True,
                                      locale="en-US")
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        yield pg
        context.close()
        browser.close()


def _shot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window grows to fit it first."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    _settle(page)
    height = page.evaluate(
        "() => Math.max(...['[data-testid=\"stMain\"]', '[data-testid=\"stMainBlockContainer\"]',"
        " '[data-testid=\"stSidebarContent\"]'].map(s => document.querySelector(s)?.scrollHeight || 0))"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 6000))})
    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size(size)


def _settle(page) -> None:
    """Wait until Streamlit has finished the current run (its 'running' indicator is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=TIMEOUT,
    )
    page.wait_for_timeout(500)


def _nav(page, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=label).click()
    page.get_by_role("heading", level=1, name=label).wait_for()
    _settle(page)


def _change_store(url: str) -> None:
    """What happens to a live database: rows deleted, rows changed, rows added."""
    with open_store(url) as store:
        rows = list(store.iter_rows())
        gone = [k for k, _ in rows if k.startswith("movie:")][:10]
        changed = [(k, orjson.dumps({**orjson.loads(v), "note": "edited in the app"})) for k, v in rows
                   if k.startswith("favorite_")][:5]
        store.write(sorted(changed + [("zz_new:1", b"{}"), ("zz_new:2", b"[1]"), ("zz_new:3", b'"x"')]), gone)


def test_first_request_for_a_page_still_needs_the_login(server, page):
    """A fresh server in Streamlit's pages/ folder mode must not run pages/restore.py around the gate."""
    page.goto(f"{server['base']}/restore")
    page.get_by_label("Admin password").wait_for()
    _settle(page)
    assert page.get_by_text("Restoring into").count() == 0  # the Restore page did not run
    assert page.get_by_text("Connected store").count() == 0
    _shot(page, "01-login")


def test_admin_path(server, page, tmp_path):
    base, store_url = server["base"], server["store"]
    page.goto(base)
    page.get_by_label("Admin password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Wrong password").wait_for()
    page.wait_for_timeout(1200)  # the first delay after a failure is 1 s
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Connected store").wait_for()

    # Load demo data into the empty embedded store
    page.get_by_role("button", name="Load demo data").click()
    page.get_by_role("button", name="Create backup").wait_for()
    with open_store(store_url) as store:
        counts = store.count()
    total = sum(counts.values())
    page.get_by_text(f"{total:,}").first.wait_for()

    # Back up, then download the file
    page.get_by_role("button", name="Create backup").click()
    page.get_by_text("The backup is ready").wait_for()
    _shot(page, "02-backup")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download backup").click()
    download = info.value
    assert download.suggested_filename == f"mvdb-backup-{date.today().isoformat()}.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    summary = BackupFile(saved).validate()
    assert summary.total == total and summary.counts == counts

    # The data changes behind the dashboard's back
    _change_store(store_url)
    with open_store(store_url) as store:
        assert plan_restore(BackupFile(saved), store, RestoreOptions(mode="mirror")).writes == 15

    # Upload the file, look at the plan, restore in mirror mode
    _nav(page, "Restore")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(saved))
    page.get_by_text("is a valid backup").wait_for()
    page.locator('[data-testid="stRadio"] label').filter(has_text="Mirror").click()
    _settle(page)
    page.get_by_role("button", name="Check what will change (dry run)").click()
    page.get_by_text("only in the store will be").wait_for()
    page.get_by_text("I have checked the table above").click()
    _settle(page)
    _shot(page, "03-restore-plan")
    page.get_by_role("button", name="Restore now").click()
    page.get_by_text("Verification passed").wait_for()
    page.get_by_text("15 rows written, 3 deleted").wait_for()
    _shot(page, "04-restore-verified")
    with open_store(store_url) as store:
        after = plan_restore(BackupFile(saved), store, RestoreOptions(mode="mirror"))
        assert after.writes == 0 and after.deletes == 0
        assert store.count() == counts

    # Statistics: the store and the uploaded backup match
    _nav(page, "Statistics")
    page.get_by_text("same number of rows in every category").wait_for()
    assert page.get_by_text("uploaded earlier").count() == 1
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics.count(f"{total:,}") == 2  # Total of the store and of the backup
    _shot(page, "05-statistics")

    _nav(page, "Migration")
    page.get_by_text("Step-by-step guide").click()
    _shot(page, "06-migration")

    # Bahasa Indonesia
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="Bahasa Indonesia").click()
    page.get_by_text("Penyimpanan terhubung").wait_for()
    _nav(page, "Backup")
    _shot(page, "07-backup-indonesian")

    page.get_by_role("button", name="Keluar").click()
    page.get_by_label("Kata sandi admin").wait_for()
