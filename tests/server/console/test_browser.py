"""The console in real headless Chromium (Debian's package), used as a person would.

One browser and one page for the module; each test goes on from where the last one left
off, as a person setting up the connector would. Screenshots of each tab are written to
tests/artifacts/console/ (and, with QBCONNECTOR_DOC_IMAGES=1, to docs/images/ for the docs).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from qbconnector.server.admin import add_user
from qbconnector.server.settings import load_settings, read_raw
from qbconnector.server.tls import certificate_fingerprint
from tests.conftest import REPO
from tests.server.console.conftest import ADMIN_PASSWORD
from tests.server.helpers import HOST_QUERY

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "tests" / "artifacts" / "console"
DOC_IMAGES = REPO / "docs" / "images"
WAIT = 10_000   # ms: the page polls every 1-2 s


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium: "
                    "'python3 run.py test' installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, console_server):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # script errors and CSP violations; refused requests (401, 400) are expected answers
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not
            msg.text.startswith("Failed to load resource") else None)
    page.errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    if os.environ.get("QBCONNECTOR_DOC_IMAGES"):
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, DOC_IMAGES / f"console-{name}.png")


def test_sign_in(page, console_server):
    page.goto(console_server.console_url)
    assert page.url.endswith("/signin")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Wrong password")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    screenshot(page, "signin")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("tab", name="Users").wait_for()
    assert page.get_by_role("tab", name="Users").get_attribute("aria-selected") == "true"
    page.locator("#users-table tr[data-user='alice']").wait_for()


def test_add_a_read_only_user_and_see_it_in_the_settings_file(page, console_server):
    page.get_by_role("button", name="Add user").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("User name").fill("reports")
    dialog.get_by_label("Password", exact=True).fill("reports-pw-1")
    dialog.get_by_label("Password again").fill("reports-pw-2")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#err-password2")).to_have_text("The two passwords differ.")
    expect(dialog.get_by_label("Password again")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("Password again").fill("reports-pw-1")
    dialog.get_by_label("Read-only (queries only)").check()
    dialog.get_by_label("App name").fill("Monthly reports")
    dialog.get_by_role("button", name="Save").click()
    row = page.locator("#users-table tr[data-user='reports']")
    row.wait_for()
    assert "Read-only" in row.inner_text() and "Monthly reports" in row.inner_text()
    stored = read_raw(console_server.settings.path)["Users"]["reports"]
    assert stored["ReadOnly"] is True and stored["AppName"] == "Monthly reports"
    assert stored["Password"].startswith("$scrypt$")
    assert "reports-pw-1" not in page.content()


def test_a_request_as_that_user_appears_in_the_live_log(page, console_server):
    page.get_by_role("tab", name="Status").click()
    log = page.locator("#log")
    answer = httpx.post(console_server.url, auth=("reports", "reports-pw-1"), content=HOST_QUERY)
    assert answer.status_code == 200
    log.get_by_text("user=reports").first.wait_for()          # without reloading the page
    page.locator("#log-user").select_option("reports")
    lines = log.locator(".line")
    assert lines.count() >= 1
    assert all("user=reports" in text for text in lines.all_inner_texts())
    page.locator("#log-user").select_option("")
    assert page.locator("#status-tiles").get_by_text("sandbox company file").count() == 1
    served = page.locator("#status-tiles .tile", has_text="Requests served").locator("dd")
    expect(served).not_to_have_text("0")          # the tiles refresh on their own too
    assert int(served.inner_text()) >= 1
    screenshot(page, "status")
    page.get_by_role("tab", name="Users").click()
    row = page.locator("#users-table tr[data-user='reports']")
    page.wait_for_function(
        "() => document.querySelector(\"tr[data-user='reports'] td:nth-child(11)\")"
        ".textContent === '1'")
    assert "Connected" in row.inner_text()


def test_test_connection_for_a_user(page):
    page.get_by_role("button", name="Test Connection as reports").click()
    result = page.locator("#user-test-result")
    result.get_by_text("Connected as reports.").wait_for()
    text = result.inner_text()
    assert "Company:" in text and "13.0" in text and "authorized: yes" in text
    screenshot(page, "users")


def test_change_the_log_mode(page, console_server):
    page.get_by_role("tab", name="Advanced").click()
    page.get_by_label("Log mode").select_option(label="Verbose")
    page.get_by_role("button", name="Save changes").click()
    notice = page.locator("#settings-notice")
    notice.get_by_text("Saved LogLevel.").wait_for()
    assert "Applied now" in notice.inner_text()
    assert read_raw(console_server.settings.path)["LogLevel"] == 4
    assert console_server.settings.LogLevel == 4
    # at Verbose the log shows request bodies
    page.get_by_role("tab", name="Status").click()
    httpx.post(console_server.url, auth=("reports", "reports-pw-1"), content=HOST_QUERY)
    page.locator("#log").get_by_text("request body from reports").first.wait_for()
    assert "Log mode: Verbose" in page.locator("#log-mode").inner_text()
    page.get_by_role("tab", name="Advanced").click()
    page.get_by_label("Log mode").select_option(label="Info")
    page.get_by_role("button", name="Save changes").click()
    notice.get_by_text("Saved LogLevel.").wait_for()


def test_a_wrong_value_is_explained_next_to_its_field(page, console_server):
    before = read_raw(console_server.settings.path)
    page.get_by_label("Port", exact=True).fill("70000")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#err-Port")).to_contain_text("out of range")
    expect(page.get_by_label("Port", exact=True)).to_have_attribute("aria-invalid", "true")
    assert read_raw(console_server.settings.path) == before
    page.get_by_role("button", name="Undo unsaved changes").click()


def test_generate_a_certificate(page, console_server):
    page.get_by_label("Common name").fill("books.example")
    page.get_by_role("button", name="Generate certificate").click()
    fingerprint = page.locator("#cert-fingerprint")
    fingerprint.wait_for()
    settings = load_settings(console_server.settings.path)
    assert settings.SSLEnabled
    assert fingerprint.inner_text() == certificate_fingerprint(settings.SSLCertStore)
    assert "CN=books.example" in page.locator("#cert-info").inner_text()
    banner = page.locator("#restart-banner")
    banner.get_by_text("SSLEnabled").wait_for()
    assert banner.get_by_role("button", name="Restart now").is_visible()


def test_test_connection_on_the_advanced_tab(page):
    page.get_by_role("button", name="Test Connection", exact=True).click()
    page.locator("#test-result").get_by_text("Connected with the connector's defaults.").wait_for()
    assert page.locator("#service-state").inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "advanced")


def test_hostile_user_name_and_log_line_are_shown_as_text(page, console_server):
    hostile = '<img src=x onerror="window.__pwned=1">'
    add_user(console_server.settings.path, hostile, password="pw")
    httpx.post(console_server.url, auth=("<script>window.__pwned=2</script>", "x"),
               content=HOST_QUERY)
    page.get_by_role("tab", name="Users").click()
    page.locator("#users-table th", has_text=hostile).wait_for()
    page.get_by_role("tab", name="Status").click()
    page.locator("#log").get_by_text("<script>window.__pwned=2</script>").first.wait_for()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#users-table img, #log script, #log img").count() == 0
    assert not page.errors, page.errors


def test_keyboard_use_and_labels(page):
    page.get_by_role("tab", name="Status").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Advanced")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Advanced")).to_be_focused()
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name="Users")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-advanced")).to_be_hidden()
    # the dialog opens from the keyboard, takes the focus, and Escape closes it
    page.get_by_role("button", name="Add user").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#u-name")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    # every form control of every tab has a name a screen reader can read
    unnamed = page.evaluate("""() => [...document.querySelectorAll('input, select, button')]
        .filter(e => e.type !== 'hidden')
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                     && !e.getAttribute('aria-labelledby') && !e.textContent.trim()
                     && !e.closest('label'))
        .map(e => e.outerHTML)""")
    assert unnamed == []
    for tab in ("users", "status", "advanced"):
        panel = page.locator(f"#panel-{tab}")
        assert panel.get_attribute("role") == "tabpanel"
        assert panel.get_attribute("aria-labelledby") == f"tab-{tab}"
