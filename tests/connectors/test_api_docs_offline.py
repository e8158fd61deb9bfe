"""/api/docs/ (Swagger UI) and /api/redoc/ work on a machine without internet: a real Chromium whose every
request to anything but the test server goes to a dead proxy (and whose resolver knows no host name), loads the
pages and lists the API's operations; no request left for another host."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
# Loopback is reached directly (Chromium bypasses proxies for it); everything else goes to port 9, where nothing
# listens, and no name resolves: the network is cut off for the page.
OFFLINE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", "--proxy-server=http://127.0.0.1:9",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost"]
METHODS = {"get", "put", "post", "delete", "patch"}
WAIT_MS = 30_000


@pytest.fixture
def offline_browser(live_server, operations):
    # Per test, and set up after the server and the schema read: Playwright's event loop runs while the browser is
    # open, and Django refuses database work (the transactional test's flush included) from inside an event loop.
    if not CHROMIUM.exists():
        pytest.skip("no browser: /usr/bin/chromium is missing (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=OFFLINE_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def operations() -> list[str]:
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    return [op["operationId"] for path in schema["paths"].values() for method, op in path.items() if method in METHODS]


def _open(browser, url: str) -> tuple[object, list[str], dict[str, str]]:  # noqa: ANN001
    page = browser.new_page()
    requested: list[str] = []
    failed: dict[str, str] = {}
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.__setitem__(request.url, request.failure or ""))
    page.goto(url, wait_until="load", timeout=WAIT_MS)
    return page, requested, failed


def _left_the_browser(requested: list[str], failed: dict[str, str], server: str) -> list[str]:
    """Requests for another host that the browser tried to send: all but those its page's policy stopped."""
    host = urlparse(server).netloc
    foreign = [u for u in requested if urlparse(u).scheme not in ("data", "blob") and urlparse(u).netloc != host]
    return [u for u in foreign if failed.get(u) != "csp"]  # Chromium's reason for a request its page's policy refused


def test_swagger_ui_lists_every_operation_with_the_network_cut_off(live_server, operations, offline_browser):
    page, requested, failed = _open(offline_browser, f"{live_server.url}/api/docs/")
    page.wait_for_function(f"document.querySelectorAll('.opblock').length >= {len(operations)}", timeout=WAIT_MS)
    assert page.locator(".opblock").count() == len(operations) > 20
    assert page.locator(".opblock-summary-path", has_text="/api/v1/connectors/article-imports/").count() >= 1
    assert _left_the_browser(requested, failed, live_server.url) == [] and failed == {}
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in u for u in requested)
    page.close()


def test_redoc_lists_the_operations_with_the_network_cut_off(live_server, operations, offline_browser):
    page, requested, failed = _open(offline_browser, f"{live_server.url}/api/redoc/")
    # The page's policy forbids eval, so the waits use locators (Playwright's own script), not a JS predicate.
    sections = page.locator("[data-section-id*='operation/']")
    sections.nth(len(operations) - 1).wait_for(state="attached", timeout=WAIT_MS)
    ids = {sections.nth(i).get_attribute("data-section-id") for i in range(sections.count())}
    assert {section.rsplit("operation/", 1)[1] for section in ids} == set(operations)
    # Redoc's "API docs by Redocly" logo (cdn.redoc.ly) is stopped inside the browser by the page's policy; nothing else is foreign.
    assert _left_the_browser(requested, failed, live_server.url) == []
    assert set(failed) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"} and set(failed.values()) <= {"csp"}
    assert any("/static/drf_spectacular_sidecar/redoc/" in u for u in requested)
    page.close()
