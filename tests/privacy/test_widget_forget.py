"""End and forget in a real Chromium against a real daphne with PII on (issue #19): the conversation leaves
the device, its token stops working, and the server's own log keeps its bind address."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.live.server import stack
from tests.live.test_widget_browser import ARTIFACTS, WAIT_MS, _send, browser  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.browser
STORAGE_KEY_PREFIX = "kestrel-chat"


def _status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Conversation {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_end_and_forget_removes_the_conversation_from_the_device_and_revokes_it(browser, tmp_path_factory):  # noqa: F811
    from playwright.sync_api import expect

    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "PII_ANONYMIZE": "true", "LOG_LEVEL": "INFO"}
    with stack(tmp_path_factory.mktemp("forget"), ARTIFACTS / "logs-forget", **env) as running:
        url = running.start("customer")
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{url}/demo/")
            page.locator(".launcher").click()
            _send(page, "my email is maria.gonzalez@example.com, when will my card arrive?")
            expect(page.locator(".msg-bot:not(.greeting)").last.locator(".text")).not_to_be_empty(timeout=60_000)
            stored = page.evaluate("() => Object.entries(localStorage).map(([k, v]) => [k, v])")
            conversation = next(json.loads(v)["conversation"] for _, v in stored if '"conversation"' in v)
            messages_url = f"{url}/api/v1/conversations/{conversation['id']}/messages/"
            assert _status(messages_url, conversation["token"]) == 200

            root = page.locator("[data-chat-widget]")
            root.locator("button.forget").click()
            expect(page.locator(".notice")).to_have_text("This conversation has ended and was forgotten.", timeout=WAIT_MS)
            assert page.locator(".msg-customer").count() == 0
            left = page.evaluate("() => Object.values(localStorage).join(' ')")
            assert conversation["id"] not in left and conversation["token"] not in left
            assert _status(messages_url, conversation["token"]) == 401
        finally:
            context.close()
    log = (ARTIFACTS / "logs-forget" / "daphne-customer.log").read_text()
    assert "maria.gonzalez@example.com" not in log
    assert "Listening on TCP address 127.0.0.1:" in log, log[-2000:]
