"""The admin's whole path in a real browser: Debian's Chromium driven by Playwright, against `streamlit run app.py`.

Log in, load demo data, back up and download the file, change data behind the dashboard's back,
upload the file, restore it, see the verification pass and the statistics match. No address shows
data before the login, on a fresh server either; names from outside show as text.

Screenshots of every page are written only on request: `MVDB_SCREENSHOTS=1` (README, Testing)
writes them to docs/screenshots/ (or $MVDB_SCREENSHOT_DIR); otherwise the tests write nothing.

Needs /usr/bin/chromium (`apt-get install chromium`; never `playwright install`) and the
playwright Python package. Without them these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import orjson
import pytest
from browser_support import ARGS, CHROMIUM, TIMEOUT, dashboard, require_browser

from mvdb_core.backup import backup
from mvdb_core.backup_file import BackupFile
from mvdb_core.demo import seed_store
from mvdb_core.keys import Keys
from mvdb_core.repository import init_repository
from mvdb_core.restore import RestoreOptions, plan_restore
from mvdb_core.stores import DEFAULT_TABLE, open_store
from ui import auth

# One worker under pytest-xdist (--dist loadgroup, README): the module's tests share one server and one
# Chromium, in order, and never run beside test_browser_login.py's Chromium.
pytestmark = pytest.mark.xdist_group("browser")

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "browser test password"
SHOTS = Path(os.environ.get("MVDB_SCREENSHOT_DIR") or ROOT / "docs" / "screenshots")
TAKE_SHOTS = os.environ.get("MVDB_SCREENSHOTS") == "1"
EVIL = "evil.example"


@contextmanager
def _serve(work: Path) -> Iterator[dict]:
    """`streamlit run app.py` on a free loopback port, in `work` with its own SQLite store and the shipped config."""
    store_url = f"sqlite://{work}/data/mvdb.sqlite3"  # the same file the app sees as data/mvdb.sqlite3
    repository = init_repository(str(work / "repository"), "none", Keys())
    env = {"MVDB_STORE_URL": "sqlite://data/mvdb.sqlite3", "MVDB_ADMIN_PASSWORD_HASH": auth.hash_password(PASSWORD),
           "MVDB_REPOSITORY": str(work / "repository")}
    with dashboard(work, env, secrets=(PASSWORD,)) as base:
        yield {"base": base, "store": store_url, "work": work, "repository": repository}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module's tests; its first request is the first test's."""
    require_browser()
    with _serve(tmp_path_factory.mktemp("dashboard")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@contextmanager
def _new_page(browser) -> Iterator:
    """A page in a fresh browser context (no cookies, its own Streamlit sessions)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="module")
def page(server, browser):
    with _new_page(browser) as pg:
        yield pg


def _shot(page, name: str) -> None:
    """The whole page (only with MVDB_SCREENSHOTS=1): Streamlit scrolls inside its main block, so the window
    grows to fit it first."""
    if not TAKE_SHOTS:
        return
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
    page.get_by_role("heading", level=1, name="Backup").wait_for()
    assert page.url.endswith("/backup")  # the root address opens the first page, under its own address

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
    # one number format in Indonesian: metric cards, the sidebar and the charts group digits with dots
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert _dotted(total) in metrics and f"{total:,}" not in metrics
    assert f"Baris: {_dotted(total)}" in page.locator('[data-testid="stSidebar"]').inner_text()
    chart = page.locator('[data-testid="stVegaLiteChart"] text').all_text_contents()
    assert counts["movies"] >= 1000 and _dotted(counts["movies"]) in chart and f"{counts['movies']:,}" not in chart
    assert page.get_by_text("Variabel lingkungan").count() >= 1  # the connection's name, translated

    page.get_by_role("button", name="Keluar").click()
    page.get_by_label("Kata sandi admin").wait_for()


def _dotted(n: int) -> str:
    return f"{n:,}".replace(",", ".")


LOCKED_OUT = ("Connected store", "Backing up", "Restoring into", "Step-by-step guide", "Totals", DEFAULT_TABLE)
"""Texts of the sidebar and the pages: none may show before the login."""


def _assert_locked(page, login_form: bool = True) -> None:
    """The login form (or a blank page) and nothing of the store or the pages."""
    if login_form:
        page.get_by_label("Admin password").wait_for()
        _settle(page)
    else:
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
    body = page.locator("body").inner_text()
    assert not [text for text in LOCKED_OUT if text in body], body[:2000]
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # no menu either


def _login(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebar"]').get_by_text("Connected store").wait_for()
    _settle(page)


PAGE_URLS = ("/", "/backup", "/restore", "/statistics", "/migration", "/start", "/app.py")
FILE_URLS = ("/pages/restore.py", "/pages/backup.py", "/pages/statistics.py", "/pages/migration.py",
             "/pages/__init__.py")
"""Nested paths: the server answers with the app's HTML, whose scripts then do not load (a blank page)."""


def test_no_address_shows_data_before_the_login(server, page):
    """Every page's address shows the login form only, the page files' paths nothing (the store holds data now)."""
    with open_store(server["store"]) as store:
        assert sum(store.count().values()) > 0
    for path in PAGE_URLS:
        page.goto(server["base"] + path)
        _assert_locked(page)
    for path in FILE_URLS:
        page.goto(server["base"] + path)
        _assert_locked(page, login_form=False)


@pytest.mark.parametrize("path", ["/", "/statistics", "/pages/restore.py"])
def test_a_fresh_servers_first_request_needs_the_login(browser, tmp_path, path):
    """The first request of a process runs in Streamlit's pages/ folder mode: still the login, no data."""
    with _serve(tmp_path) as srv, _new_page(browser) as pg:
        with open_store(srv["store"]) as store:
            seed_store(store, rows=200)
        pg.goto(srv["base"] + path)
        if path.startswith("/pages/"):
            _assert_locked(pg, login_form=False)
            pg.goto(srv["base"] + "/restore")  # still the process's first run of app.py
        _assert_locked(pg)
        pg.get_by_label("Admin password").fill(PASSWORD)  # and the first sign-in counts
        pg.get_by_role("button", name="Sign in").click()
        pg.get_by_text("Connected store").wait_for()


def test_login_opens_the_page_asked_for(server, page):
    for path, title in (("/restore", "Restore"), ("/statistics", "Statistics"), ("/backup", "Backup")):
        _login(page, server["base"] + path)
        page.get_by_role("heading", level=1, name=title).wait_for()
        assert page.url.endswith(path)


def test_outside_names_show_as_text(server, page, tmp_path):
    """File names like Markdown links or images are shown as the text they are: no link, no image, no request."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    with open_store(server["store"]) as store:
        made = backup(store, tmp_path / "b.json")
    link = f"[click](https://{EVIL}/x).json"
    image = f"![x](https://{EVIL}/p.png).json"
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')

    _login(page, server["base"] + "/restore")
    dropzone.set_input_files(files=[{"name": link, "mimeType": "application/json",
                                     "buffer": made.path.read_bytes()}])
    page.get_by_text("is a valid backup").wait_for()
    _assert_text_only(page, link)
    _nav(page, "Statistics")  # the file named in the store/backup captions, the headings and the comparison
    page.get_by_text("uploaded earlier").wait_for()
    _assert_text_only(page, link)
    dropzone.set_input_files(files=[{"name": image, "mimeType": "application/json", "buffer": b'{"no": 1}'}])
    page.get_by_text("cannot be restored").first.wait_for()
    _assert_text_only(page, image)
    assert not [url for url in requests if EVIL in url]


def _assert_text_only(page, name: str) -> None:
    _settle(page)
    assert page.locator(f'a[href*="{EVIL}"]').count() == 0
    assert page.locator(f'img[src*="{EVIL}"]').count() == 0
    assert name in page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")  # word joiners


def _pick_row(page, index: int) -> None:
    """Tick the box of row `index` of the Browse table (a canvas: clicked where its row marker is)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    _settle(page)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 * index + 17)
    _settle(page)


def _browse_for(page, category: str, search: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Category").click()
    page.get_by_role("option", name=category, exact=True).click()
    _settle(page)
    field = page.get_by_role("textbox", name="Search")
    field.fill(search)
    field.press("Enter")
    _settle(page)


def test_browse_find_a_deleted_movie_in_the_last_snapshot_and_bring_it_back_with_an_actress(server, browser, tmp_path):
    """The admin's path for one lost row: find it in the last snapshot by part of its title, see the other row's
    old and new values side by side, restore exactly those two rows."""
    from mvdb_core.browse import Query, Scope, display_value
    from mvdb_core.browse import page as first_rows

    url = server["store"]
    with open_store(url) as store:
        if not store.table_exists() or store.is_empty():  # alone, not after test_admin_path
            store.create_table()
            seed_store(store, 3000)
        made = backup(store, tmp_path / "browse.json")  # the same rows as the snapshot: where a row is in the table
        server["repository"].snapshot(store, Keys())
        rows = dict(store.iter_rows())
    movie = next(k for k in rows if k.startswith("movie:"))
    actress = next(k for k in rows if k.startswith("master_actress_"))
    title, name = display_value(rows[movie])["titleEn"], display_value(rows[actress])["name"]
    inner = orjson.loads(orjson.loads(rows[actress]))
    with open_store(url) as store:
        store.write([(actress, orjson.dumps(orjson.dumps({**inner, "name": "Wrong Name"}).decode()))], [movie])
        before = dict(store.iter_rows())
    part = " ".join(title.split()[-2:]).lower()

    def index(scope: Scope, key: str) -> int:
        return [k for k, _ in first_rows(BackupFile(made.path), scope).rows].index(key)

    with _new_page(browser) as pg:
        _login(pg, server["base"])
        _nav(pg, "Browse")
        pg.locator('[data-testid="stRadio"] label').filter(has_text="Repository snapshot").click()
        pg.locator('[data-testid="stDataFrame"]').first.wait_for()  # the newest snapshot, every category
        _browse_for(pg, "Movies", part)
        _pick_row(pg, index(Scope("movies", None, Query(part)), movie))
        pg.get_by_text("1 rows picked").wait_for()
        _browse_for(pg, "Actresses", name)
        _pick_row(pg, index(Scope("actresses", None, Query(name)), actress))
        pg.get_by_text("Restore the 2 picked rows").wait_for()
        pg.get_by_role("button", name="Check what will change (dry run)").click()
        pg.get_by_text("1 rows will be added, 1 changed").wait_for()
        pg.get_by_text("Actresses: 1 changed rows").click()
        pg.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').first.wait_for()
        _shot(pg, "08-browse-restore-rows")
        pg.get_by_text("I have checked the table above").click()
        _settle(pg)
        pg.get_by_role("button", name="Restore now").click()
        pg.get_by_text("Verification passed").wait_for()
    with open_store(url) as store:
        assert dict(store.iter_rows()) == {**before, movie: rows[movie], actress: rows[actress]}
