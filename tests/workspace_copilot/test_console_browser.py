"""The copilot, the hand-off summary, the unread counters and notifications in a real Chromium against a real
daphne, and the unanswered-questions report page in admin. Screenshots go to var/screenshots/.

Customers talk over the REST API (the bot answers with the streaming test pipeline, which drafts too);
the agent works in the console. Desktop notifications are recorded by a stand-in for the browser's
Notification API (headless Chromium shows none), installed before the console's scripts run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from tests.live.pipelines import ANSWER
from tests.live.server import AGENT_PASSWORD, AGENT_USERNAME, ROOT, Stack, stack

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]
SHOTS = ROOT / "var" / "screenshots"
WAIT_MS = 20_000
DRAFT = "".join(ANSWER)
STAFF_USERNAME, STAFF_PASSWORD = "staffer", "e2e-staff-password-1"
FAKE_NOTIFICATIONS = """
window.__notes = [];
class FakeNotification {
  constructor(title, options) { window.__notes.push({ title, body: (options || {}).body }); }
  static requestPermission() {
    FakeNotification.permission = "granted";
    sessionStorage.setItem("fake-permission", "granted");  // a browser remembers the site's permission
    return Promise.resolve("granted");
  }
}
FakeNotification.permission = sessionStorage.getItem("fake-permission") || "default";
window.Notification = FakeNotification;
"""


@pytest.fixture(scope="module")
def browser():
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no browser: /usr/bin/chromium is missing")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser) -> Iterator[tuple[Stack, str]]:
    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "CHAT_DRAFT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline",
           "LIVE_TOKEN_DELAY_S": "0.1"}
    with stack(tmp_path_factory.mktemp("copilot-e2e"), ROOT / "test-artifacts" / "live" / "logs", **env) as running:
        yield running, running.start("copilot")


def _shell(running: Stack, code: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=running.env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""  # the shell may announce its automatic imports first


def _api(url: str, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Conversation {token}"} if token else {})
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class Customer:
    def __init__(self, url: str) -> None:
        self.url = url
        created = _api(url, "/api/v1/conversations/", {"channel": "api"})
        self.id, self.token = created["id"], created["access_token"]

    def say(self, text: str) -> dict:
        return _api(self.url, f"/api/v1/conversations/{self.id}/messages/", {"text": text}, self.token)


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _draft_outcomes(running: Stack) -> list[str]:
    code = "from conversations.models import DraftSuggestion as D; print(','.join(D.objects.order_by('id').values_list('outcome', flat=True)))"
    return [o for o in _shell(running, code).split(",") if o]


def test_the_console_summarises_drafts_counts_and_notifies(browser, server):
    from playwright.sync_api import expect

    running, url = server
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    context.add_init_script(FAKE_NOTIFICATIONS)
    try:
        page = context.new_page()
        page.goto(f"{url}/console/")
        page.locator("#id_username").fill(AGENT_USERNAME)
        page.locator("#id_password").fill(AGENT_PASSWORD)
        page.locator("button[type=submit]").click()
        expect(page.locator("#connection")).to_have_text("Live", timeout=WAIT_MS)
        base_title = page.title()

        # Opt in (the permission is asked on this click); the choice is remembered across reloads.
        page.locator("#notify-desktop").click()
        page.locator("#notify-sound").click()
        expect(page.locator("#notify-sound")).to_be_checked()
        page.wait_for_timeout(500)
        page.reload()
        expect(page.locator("#notify-desktop")).to_be_checked(timeout=WAIT_MS)
        expect(page.locator("#notify-sound")).to_be_checked()

        # A customer asks, the bot answers, then they ask for a person: a new hand-off.
        customer = Customer(url)
        customer.say("My new card has not arrived yet. I ordered it two weeks ago.")
        customer.say("I want a human please")
        row = page.locator(f'.conversation-row[data-id="{customer.id}"]')
        expect(row.locator(".unread-badge")).to_have_text("2", timeout=WAIT_MS)
        expect(page).to_have_title(f"(2) {base_title}")
        page.wait_for_function("window.__notes.some(n => n.title === 'New hand-off')", timeout=WAIT_MS)
        assert page.evaluate("window.consoleSoundsPlayed || 0") >= 1
        _shot(page, "console-unread-and-title")

        # Opening it marks it read and shows the hand-off summary.
        row.click()
        expect(page.locator("#transcript .msg-customer")).to_have_count(2, timeout=WAIT_MS)
        expect(row.locator(".unread-badge")).to_have_count(0, timeout=WAIT_MS)
        expect(page).to_have_title(base_title)
        summary = page.locator("#handoff-summary")
        expect(summary).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#summary-wants")).to_contain_text("My new card has not arrived yet.")
        expect(page.locator("#summary-reason")).to_have_text("Customer asked for a person")
        expect(page.locator("#summary-intent")).to_contain_text("card_arrival (93% confidence)")  # the hand-off message has no stored intent here
        expect(page.locator("#summary-articles")).to_contain_text("Card delivery")
        expect(page.locator("#summary-provided")).to_have_text("None")

        # Joining makes it the agent's: a draft streams in beside the composer, which stays usable.
        page.evaluate("""() => { window.__drafts = []; new MutationObserver(() => window.__drafts.push(
            document.getElementById('draft-text').textContent)).observe(document.getElementById('draft-text'),
            {childList: true, characterData: true, subtree: true}); }""")
        page.locator("#join").click()
        page.locator("#reply").press_sequentially("typing while it drafts", delay=5)
        expect(page.locator("#draft-text")).to_have_text(DRAFT, timeout=WAIT_MS)
        expect(page.locator("#draft-status")).to_contain_text("Drafted from 1 article")
        partials = [t for t in dict.fromkeys(page.evaluate("window.__drafts")) if t and t != DRAFT]
        assert len(partials) >= 2 and all(DRAFT.startswith(t) for t in partials), partials
        expect(page.locator("#reply")).to_have_value("typing while it drafts")
        _shot(page, "console-summary-and-draft")

        # Insert, edit, send: stored as edited.
        page.locator("#draft-insert").click()
        expect(page.locator("#reply")).to_have_value(DRAFT)
        page.locator("#reply").press("End")
        page.locator("#reply").press_sequentially(" Sorry for the wait.", delay=5)
        page.locator("#reply").press("Enter")
        expect(page.locator("#transcript .msg-agent .text").last).to_have_text(DRAFT + " Sorry for the wait.", timeout=WAIT_MS)
        assert _draft_outcomes(running) == ["edited"]

        # The customer writes again: a new draft; sent untouched it is stored as sent unchanged.
        customer.say("Thanks. Can I track the card somewhere?")
        expect(page.locator("#draft-status")).to_contain_text("Drafted from 1 article", timeout=WAIT_MS)
        expect(row.locator(".unread-badge")).to_have_count(0)  # read while open and visible
        page.locator("#draft-insert").click()
        page.locator("#reply").press("Enter")
        expect(page.locator("#transcript .msg-agent")).to_have_count(2, timeout=WAIT_MS)
        customer.say("One more thing about my card")
        expect(page.locator("#draft-insert")).to_be_enabled(timeout=WAIT_MS)
        page.locator("#draft-discard").click()
        expect(page.locator("#draft-status")).to_have_text("Draft dismissed.")
        page.wait_for_timeout(500)
        assert _draft_outcomes(running) == ["edited", "sent_unchanged", "discarded"]

        # Another customer is handed off while the agent reads the first: its own counter and the title.
        other = Customer(url)
        other.say("human please, my card was swallowed by a cash machine")
        other_row = page.locator(f'.conversation-row[data-id="{other.id}"]')
        expect(other_row.locator(".unread-badge")).to_have_text("1", timeout=WAIT_MS)
        expect(page).to_have_title(f"(1) {base_title}")
        page.wait_for_function("window.__notes.filter(n => n.title === 'New hand-off').length >= 2", timeout=WAIT_MS)
        _shot(page, "console-second-handoff")

        # Reading the other one, the agent is told when a customer of theirs writes in the first.
        other_row.click()
        expect(page.locator("#transcript .msg-customer")).to_have_count(1, timeout=WAIT_MS)
        expect(page).to_have_title(base_title)
        customer.say("Are you still there?")
        expect(row.locator(".unread-badge")).to_have_text("1", timeout=WAIT_MS)
        expect(page).to_have_title(f"(1) {base_title}")
        page.wait_for_function("window.__notes.some(n => n.title === 'New customer message')", timeout=WAIT_MS)
    finally:
        context.close()


UNANSWERED = [("Do you offer pet insurance?", "nothing_relevant"), ("Can I insure my dog with you?", "nothing_relevant"),
              ("Is there insurance for my cat?", "nothing_relevant"), ("What is your mortgage interest rate?", "low_confidence"),
              ("What mortgage rates do you offer for first time buyers?", "low_confidence")]


def test_the_report_page_lists_clusters_of_unanswered_questions(browser, server):
    from playwright.sync_api import expect

    running, url = server
    _shell(running, f"""
from django.contrib.auth.models import Group, User
from conversations import roles
from conversations.models import Conversation, Message
staff = User.objects.create_user({STAFF_USERNAME!r}, password={STAFF_PASSWORD!r}, is_staff=True)
staff.groups.set([Group.objects.get(name=roles.STAFF)])
for text, reason in {UNANSWERED!r}:
    c = Conversation.objects.create(status="waiting_for_agent", handoff_reason=reason)
    asked = Message.objects.create(conversation=c, role="customer", text=text)
    Message.objects.create(conversation=c, role="system", text="Passing you on.", reply_to=asked, handoff_reason=reason)
""")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{url}/admin/login/?next=/admin/reports/unanswered/")
        page.locator("#id_username").fill(STAFF_USERNAME)
        page.locator("#id_password").fill(STAFF_PASSWORD)
        page.locator("input[type=submit]").click()
        expect(page.locator("#report-summary")).to_contain_text("5 unanswered questions in 2 clusters", timeout=WAIT_MS)
        clusters = page.locator(".cluster")
        expect(clusters).to_have_count(2)
        expect(clusters.nth(0).locator(".cluster-size")).to_have_text("3")
        expect(clusters.nth(0).locator(".example")).to_have_count(3)
        expect(clusters.nth(0)).to_contain_text("insurance")
        expect(clusters.nth(1)).to_contain_text("mortgage")
        expect(clusters.nth(0).locator(".nearest")).to_contain_text("No article near")  # no index served here
        _shot(page, "admin-unanswered-report")
        page.locator("input[name=since]").fill("2020-01-01")
        page.locator("input[name=until]").fill("2019-01-01")
        page.locator("#period button[type=submit]").click()
        expect(page.locator("#report-error")).to_contain_text("'since' must not be after 'until'")
    finally:
        context.close()
