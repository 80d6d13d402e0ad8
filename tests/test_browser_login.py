"""Login throttling in a real browser: 8 sessions submit a wrong password at the same moment.

One password check may run per open slot; the other sessions are told to wait, whatever their
session or address. Once the wait they were shown has passed, the right password gets in, with
no restart. The server runs with MVDB_LOGIN_DELAY (the first wait after a failure, in seconds)
set to BASE_DELAY, long enough for all 8 submissions to land inside it on a busy 2-core machine.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from browser_support import ARGS, CHROMIUM, TIMEOUT, dashboard, require_browser

from ui import auth

# One worker under pytest-xdist (--dist loadgroup, README): never beside test_browser.py's Chromium.
pytestmark = pytest.mark.xdist_group("browser")

PASSWORD = "browser login password"
SESSIONS = 8
BASE_DELAY = 4.0
WRONG = "Wrong password"
WAIT = "Too many failed attempts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    work = tmp_path_factory.mktemp("login")
    env = {"MVDB_STORE_URL": "sqlite://data/mvdb.sqlite3", "MVDB_ADMIN_PASSWORD_HASH": auth.hash_password(PASSWORD),
           "MVDB_LOGIN_DELAY": str(BASE_DELAY)}
    with dashboard(work, env, secrets=(PASSWORD,)) as base:
        yield base


async def _login_page(browser, base: str):
    context = await browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT)
    await page.goto(base)
    await page.get_by_label("Admin password").wait_for()
    return context, page


async def _outcome(page) -> tuple[str, int]:
    """('wrong' or 'wait', the seconds the message names)."""
    alert = page.get_by_text(WRONG).or_(page.get_by_text(WAIT))
    await alert.first.wait_for()
    text = await alert.first.inner_text()
    seconds = int(re.search(r"(\d+) s\b", text).group(1))
    return ("wrong" if WRONG in text else "wait"), seconds


async def _scenario(base: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            sessions = await asyncio.gather(*(_login_page(browser, base) for _ in range(SESSIONS)))
            pages = [page for _, page in sessions]
            for page in pages:
                await page.get_by_label("Admin password").fill("not the password")
            await asyncio.gather(*(page.get_by_role("button", name="Sign in").click() for page in pages))
            outcomes = await asyncio.gather(*(_outcome(page) for page in pages))
            seen = time.monotonic()
            kinds = [kind for kind, _ in outcomes]
            assert kinds.count("wrong") == 1, f"{kinds.count('wrong')} of {SESSIONS} were checked: {outcomes}"
            assert kinds.count("wait") == SESSIONS - 1, outcomes
            # every session is shown the one real wait: at most the base delay, never a longer lock
            assert all(1 <= seconds <= BASE_DELAY for _, seconds in outcomes), outcomes

            # wait out what the pages said, then the right password in a fresh session, same server
            await asyncio.sleep(max(seconds for _, seconds in outcomes) - (time.monotonic() - seen) + 0.2)
            context, page = await _login_page(browser, base)
            await page.get_by_label("Admin password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.get_by_text("Connected store").wait_for()
            assert await page.get_by_text(WAIT).count() == 0
            for context, _ in sessions:
                await context.close()
        finally:
            await browser.close()


def test_parallel_wrong_passwords_wait_then_the_right_one_gets_in(server):
    asyncio.run(_scenario(server))
