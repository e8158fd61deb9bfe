"""The agent workspace in a real Chromium against a real daphne: the widget's offline notice and e-mail form,
the console's availability toggle, canned-reply picker, private notes, tags, transfer between the queues,
the refusal of the previous agent's reply, and the rating's comment. Screenshots go to var/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.live.server import AGENT_PASSWORD, AGENT_USERNAME, ROOT, stack
from tests.live.test_widget_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "var" / "screenshots"
_SETUP = f"""
from django.contrib.auth.models import Group, User
from conversations import roles
from conversations.models import CannedReply
bob = User.objects.create_user("bob", password={AGENT_PASSWORD!r}, first_name="Bob")
bob.groups.set([Group.objects.get(name=roles.AGENTS)])
CannedReply.objects.create(title="Greeting", shortcut="hello", text="Hi, I'm {{{{agent.first_name}}}}, conversation {{{{conversation.id}}}}.")
CannedReply.objects.create(title="Opening hours", shortcut="hours", text="We are open {{{{business.hours}}}}.")
"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no browser: /usr/bin/chromium is missing (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser) -> Iterator[str]:
    # No pipeline model: every customer message is handed to a person, which is what this test is about.
    with stack(tmp_path_factory.mktemp("workspace-e2e"), ROOT / "test-artifacts" / "live" / "logs") as running:
        running.manage("shell", "-c", _SETUP)
        yield running.start("workspace")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"workspace-{name}.png"))


def _sign_in(page, url: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/console/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(AGENT_PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("#connection")).to_have_text("Live", timeout=WAIT_MS)


def test_offline_handoff_and_the_agent_workspace(browser, server):
    from playwright.sync_api import expect

    customer_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        # No agent is online: the hand-off says when to expect a reply and offers to take an e-mail address.
        page = customer_ctx.new_page()
        page.goto(f"{server}/demo/")
        page.locator(".launcher").click()
        page.locator(".human").click()
        offline = page.locator(".offline")
        expect(offline).to_be_visible(timeout=WAIT_MS)
        expect(offline.locator(".offline-text")).to_contain_text("leave your e-mail address")
        expect(offline.locator(".offline-text")).to_contain_text(re.compile(r"expect a reply|as soon as someone is"))
        _shot(page, "widget-offline-notice")
        page.locator(".offline-email").fill("sam.customer@example.com")
        page.locator(".offline-form button").click()
        expect(offline.locator(".offline-text")).to_have_text("Thank you. We will answer at the e-mail address you left.", timeout=WAIT_MS)
        expect(page.locator(".offline-form")).to_be_hidden()

        # The agent goes online; the flagged hand-off waits in the queue.
        agent = agent_ctx.new_page()
        _sign_in(agent, server, AGENT_USERNAME)
        toggle = agent.locator("#availability-toggle")
        expect(toggle).to_have_text("Away", timeout=WAIT_MS)
        toggle.click()
        expect(toggle).to_have_text("Online", timeout=WAIT_MS)
        expect(agent.locator("#agents-online")).to_have_text("1 agent online")
        row = agent.locator(".conversation-row").first
        expect(row.locator(".badge.offline")).to_have_text("Offline hand-off \u00b7 e-mail left", timeout=WAIT_MS)
        agent.locator('.queue-tabs [data-queue="unassigned"]').click()
        expect(agent.locator(".conversation-row")).to_have_count(1)
        _shot(agent, "console-availability-and-offline-flag")
        row.click()
        agent.locator("#join").click()
        expect(page.locator(".status-line")).to_have_text("With Alice", timeout=WAIT_MS)
        expect(agent.locator(".conversation-row")).to_have_count(0)  # no longer unassigned
        expect(agent.locator('.queue-tabs [data-queue="mine"]')).to_have_text("Mine (1)", timeout=WAIT_MS)
        expect(agent.locator('.queue-tabs [data-queue="unassigned"]')).to_have_text("Unassigned (0)")
        agent.locator('.queue-tabs [data-queue="mine"]').click()
        expect(agent.locator(".conversation-row")).to_have_count(1, timeout=WAIT_MS)

        # "/" opens the canned replies, filtered as the agent types; Enter inserts the rendered text.
        reply = agent.locator("#reply")
        reply.press_sequentially("/hel", delay=20)
        choices = agent.locator("#canned-picker .canned-choice")
        expect(choices).to_have_count(1, timeout=WAIT_MS)
        expect(choices.first).to_contain_text("/hello")
        _shot(agent, "console-canned-picker")
        reply.press("Enter")
        expect(reply).to_have_value(re.compile(r"^Hi, I'm Alice, conversation [0-9a-f]{8}\.$"))
        expect(agent.locator("#canned-picker")).to_be_hidden()
        inserted = reply.input_value()
        reply.press("Enter")
        expect(page.locator(".msg-agent .text").last).to_have_text(inserted, timeout=WAIT_MS)

        # A private note and a tag: the agent sees them, the customer never does.
        agent.locator("#note-input").fill("VIP customer, asked twice")
        agent.locator("#note-form button").click()
        expect(agent.locator("#notes .note .text")).to_have_text(["VIP customer, asked twice"], timeout=WAIT_MS)
        agent.locator("#tag-input").fill("billing")
        agent.locator("#tag-form button").click()
        expect(agent.locator("#tags .tag")).to_have_text([re.compile("^billing")], timeout=WAIT_MS)
        expect(agent.locator(".conversation-row .row-tags")).to_have_text("billing")
        _shot(agent, "console-note-and-tag")
        page.wait_for_timeout(500)
        assert "VIP customer" not in page.content() and "billing" not in page.locator("[data-chat-widget]").inner_text()

        # Transfer to Bob: the conversation leaves Alice's queue, and Alice can no longer reply.
        agent.locator("#transfer-to").select_option("bob")
        agent.locator("#transfer-form button").click()
        expect(agent.locator(".conversation-row")).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator(".status-line")).to_have_text("With Bob", timeout=WAIT_MS)
        agent.locator('.queue-tabs [data-queue="all"]').click()
        expect(agent.locator(".conversation-row .badge").first).to_have_text("With Bob")
        reply.fill("Alice again")
        reply.press("Enter")
        expect(agent.locator("#console-error")).to_contain_text("transferred to Bob", timeout=WAIT_MS)
        _shot(agent, "console-transfer-refusal")
        bob_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        _sign_in(bob_page, server, "bob")
        bob_page.locator('.queue-tabs [data-queue="mine"]').click()
        expect(bob_page.locator(".conversation-row")).to_have_count(1, timeout=WAIT_MS)
        bob_page.context.close()

        # Closed: the customer rates and leaves a comment.
        agent.locator("#close").click()
        expect(page.locator(".rating")).to_be_visible(timeout=WAIT_MS)
        page.locator('.star[data-rating="4"]').click()
        expect(page.locator(".notice")).to_have_text("Thank you for your feedback.", timeout=WAIT_MS)
        page.locator(".rating-comment").fill("Bob sorted it out")
        page.locator(".comment-send").click()
        expect(page.locator(".notice")).to_have_text("Thank you for your comment.", timeout=WAIT_MS)
        _shot(page, "widget-rating-comment")
    finally:
        customer_ctx.close()
        agent_ctx.close()
