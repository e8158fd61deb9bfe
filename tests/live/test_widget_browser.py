"""End to end in a real Chromium against real daphne processes: the widget and the agent console.

The customer's demo page and the agent console are served by two daphne processes when
REDIS_URL is set (they meet through Redis), else by one. Screenshots go to test-artifacts/live/.
"""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.live.pipelines import ANSWER
from tests.live.server import AGENT_PASSWORD, AGENT_USERNAME, ROOT, Stack, free_port, stack

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "live"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SHOP_HOST = "127.0.0.2"  # another origin on loopback: a customer's own website
WAIT_MS = 15_000
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold?</b>'
REPLY = "".join(ANSWER)


@dataclass
class Servers:
    stack: Stack
    customer_url: str
    agent_url: str
    shop_url: str


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no browser: /usr/bin/chromium is missing (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _shop_server(port: int, script_url: str) -> http.server.ThreadingHTTPServer:
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title></head>'
            f'<body><h1>A shop on another origin</h1><script src="{script_url}" defer></script></body></html>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((SHOP_HOST, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def servers(tmp_path_factory, browser) -> Iterator[Servers]:
    shop_port = free_port(SHOP_HOST)
    shop_url = f"http://{SHOP_HOST}:{shop_port}"
    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "LIVE_TOKEN_DELAY_S": "0.08",
           "CHAT_ALLOWED_ORIGINS": shop_url}
    with stack(tmp_path_factory.mktemp("live-e2e"), ARTIFACTS / "logs", **env) as running:
        customer_url = running.start("customer")
        agent_url = running.start("agent") if os.environ.get("REDIS_URL") else customer_url
        shop = _shop_server(shop_port, f"{customer_url}/static/widget/chat.js")
        try:
            yield Servers(running, customer_url, agent_url, shop_url)
        finally:
            shop.shutdown()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _record_streaming(page) -> None:
    """Keep every text the streaming bubble shows, to prove the reply arrived piece by piece."""
    page.evaluate("""() => {
        const root = document.querySelector('[data-chat-widget]').shadowRoot;
        window.__streamed = [];
        new MutationObserver(() => {
            const live = root.querySelector('.msg.streaming .text');
            if (live && live.textContent) window.__streamed.push(live.textContent);
        }).observe(root, {subtree: true, childList: true, characterData: true});
    }""")


def _send(page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def test_customer_chats_streams_hands_off_and_an_agent_answers_from_the_console(browser, servers):
    from playwright.sync_api import expect

    customer_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = customer_ctx.new_page()
        page.goto(f"{servers.customer_url}/demo/")
        page.locator(".launcher").click()
        expect(page.locator("#chat-input")).to_be_focused()
        _record_streaming(page)

        # A streamed answer with its cited source.
        _send(page, "When will my new card arrive?")
        bot = page.locator(".msg-bot:not(.greeting)").last
        expect(bot.locator(".text")).to_have_text(REPLY, timeout=WAIT_MS)
        # Numbered as the reply cites it, so "[1]" in the text points at this link.
        expect(bot.locator(".sources a")).to_have_text("[1] Card delivery")
        assert bot.locator(".sources a").get_attribute("href") == "https://kestrel.example/help/card-delivery"
        partials = [t for t in dict.fromkeys(page.evaluate("window.__streamed")) if t != REPLY]
        assert len(partials) >= 2 and all(REPLY.startswith(t) for t in partials), partials
        _shot(page, "desktop-streamed-reply")

        # Text that looks like HTML is shown as text, never run.
        _send(page, HOSTILE)
        expect(page.locator(".msg-customer").last.locator(".text")).to_have_text(HOSTILE)
        expect(page.locator(".msg-bot:not(.greeting)")).to_have_count(2, timeout=WAIT_MS)
        assert page.evaluate("window.__xss") is None
        assert page.locator(".log b, .log img, .log script").count() == 0

        # The agent signs in; the console's queue is live.
        agent = agent_ctx.new_page()
        agent.goto(f"{servers.agent_url}/console/")
        agent.locator("#id_username").fill(AGENT_USERNAME)
        agent.locator("#id_password").fill(AGENT_PASSWORD)
        agent.locator("button[type=submit]").click()
        expect(agent.locator("#connection")).to_have_text("Live", timeout=WAIT_MS)
        expect(agent.locator("#queue-empty")).to_be_visible()

        page.locator(".human").click()
        expect(page.locator(".msg-system").last).to_contain_text("connecting you with a member", timeout=WAIT_MS)
        expect(page.locator(".status-line")).to_have_text("Waiting for a person\u2026")
        row = agent.locator(".conversation-row").first
        expect(row).to_contain_text("Waiting", timeout=WAIT_MS)
        row.click()
        expect(agent.locator("#transcript .msg-customer")).to_have_count(2, timeout=WAIT_MS)
        agent.locator("#join").click()
        expect(page.locator(".status-line")).to_have_text("With Alice", timeout=WAIT_MS)
        expect(page.locator(".msg-system").last).to_contain_text("Alice from our support team has joined")

        agent.locator("#reply").press_sequentially("Hi, I'm Alice <i>from support</i>.", delay=10)
        expect(page.locator(".typing")).to_have_text("Agent is typing\u2026", timeout=WAIT_MS)
        agent.locator("#reply").press("Enter")
        agent_message = page.locator(".msg-agent").last
        expect(agent_message.locator(".text")).to_have_text("Hi, I'm Alice <i>from support</i>.", timeout=WAIT_MS)
        expect(agent_message.locator(".who")).to_have_text("Alice")
        expect(agent.locator("#transcript .msg-agent")).to_have_count(1)
        _shot(page, "desktop-agent-reply")
        _shot(agent, "console")

        # The conversation survives a reload (token in localStorage) and comes back from history.
        page.reload()
        page.locator(".launcher").click()
        expect(page.locator(".msg-agent .text")).to_have_text("Hi, I'm Alice <i>from support</i>.", timeout=WAIT_MS)
        expect(page.locator(".msg-customer")).to_have_count(2)

        # The agent closes; the customer rates.
        agent.locator("#close").click()
        expect(page.locator(".rating")).to_be_visible(timeout=WAIT_MS)
        page.locator('.star[data-rating="5"]').click()
        expect(page.locator(".notice")).to_have_text("Thank you for your feedback.", timeout=WAIT_MS)
        expect(page.locator(".star.on")).to_have_count(5)
        _shot(page, "desktop-rating")

        # Keyboard: Escape closes the panel and gives focus back to the launcher.
        page.locator("#chat-input").focus()
        page.keyboard.press("Escape")
        expect(page.locator(".launcher")).to_be_focused()
    finally:
        customer_ctx.close()
        agent_ctx.close()


def test_the_widget_reconnects_and_resends_what_was_not_acknowledged(browser, servers):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{servers.customer_url}/demo/")
        page.locator(".launcher").click()
        _send(page, "First question about my card")
        expect(page.locator(".msg-bot:not(.greeting) .text")).to_have_text(REPLY, timeout=WAIT_MS)
        expect(page.locator(".msg-customer.sending")).to_have_count(0)

        port = urlparse(servers.customer_url).port
        servers.stack.kill(servers.customer_url)
        expect(page.locator(".notice")).to_contain_text("Reconnecting", timeout=WAIT_MS)
        _send(page, "Sent while the server was down")
        expect(page.locator(".msg-customer.sending")).to_have_count(1)
        servers.stack.start("customer-restarted", port=port)

        expect(page.locator(".msg-bot:not(.greeting) .text")).to_have_text([REPLY, REPLY], timeout=30_000)
        expect(page.locator(".msg-customer.sending")).to_have_count(0)
        expect(page.locator(".msg-customer")).to_have_count(2)
        page.reload()
        page.locator(".launcher").click()
        expect(page.locator(".msg-bot:not(.greeting)")).to_have_count(2, timeout=WAIT_MS)  # answered once
    finally:
        context.close()


def test_phone_width_and_an_embedding_site_on_another_origin(browser, servers):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{servers.shop_url}/")
        _shot(page, "phone-closed")
        page.locator(".launcher").click()
        panel = page.locator(".panel").bounding_box()
        assert panel is not None and panel["width"] == 390 and panel["height"] == 844  # full screen
        _send(page, "Hello from the shop's website")
        expect(page.locator(".msg-bot:not(.greeting) .text")).to_have_text(REPLY, timeout=WAIT_MS)
        _shot(page, "phone-cross-origin-reply")
    finally:
        context.close()
