"""Browser tests: Debian's Chromium driven by Playwright (never `playwright install`)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Playwright's sync API keeps an event loop in this thread; the ORM calls made by
# the tests themselves are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium est introuvable ({CHROMIUM}) : apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def new_page(browser, width, height):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def phone(browser):
    """A 360 px wide phone screen."""
    context, page = new_page(browser, 360, 740)
    yield page
    context.close()


def log_in(page, url, username):
    """Open `url` (the login page, or a page that asks for it) and log in as `username`."""
    page.goto(url)
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def assert_accessible(page):
    """axe-core finds no WCAG 2.1 A/AA violation on the page."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, results.generate_report()


def assert_fits(page, width=360):
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
