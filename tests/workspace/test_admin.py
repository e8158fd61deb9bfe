"""The workspace in the admin: canned replies and business hours checked by the services' rules, notes and
transfers on a conversation's page, tag counts on the dashboard, the CSAT report over a chosen period."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conversations import roles, services
from conversations.models import BusinessHours, CannedReply, Message
from tests.factories import ConversationFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_add_a_canned_reply_and_an_unknown_variable_is_refused(staff_web, staff):
    url = "/admin/conversations/cannedreply/add/"
    refused = staff_web.post(url, {"title": "Hi", "shortcut": "hi", "text": "Dear {{customer.name}}"})
    assert refused.status_code == 200 and "Unknown variable {{customer.name}}" in refused.content.decode()
    too_long = staff_web.post(url, {"title": "Hi", "shortcut": "hi", "text": "x" * 10_000})
    assert too_long.status_code == 200 and CannedReply.objects.count() == 0
    saved = staff_web.post(url, {"title": "Hi", "shortcut": "hi", "text": "Hello from {{agent.first_name}}"})
    assert saved.status_code == 302
    assert CannedReply.objects.get().created_by == staff


def test_agents_read_canned_replies_but_do_not_change_them(agent_web):
    CannedReply.objects.create(title="Hi", shortcut="hi", text="Hello")
    assert agent_web.get("/admin/conversations/cannedreply/").status_code == 200
    assert agent_web.post("/admin/conversations/cannedreply/add/", {"title": "x", "shortcut": "x", "text": "x"}).status_code == 403


def test_business_hours_refuse_an_unknown_time_zone_and_closing_before_opening(staff_web):
    form = {"time_zone": "Mars/Olympus", "opening_hours-TOTAL_FORMS": "1", "opening_hours-INITIAL_FORMS": "0",
            "opening_hours-0-weekday": "0", "opening_hours-0-opens": "09:00", "opening_hours-0-closes": "17:00"}
    response = staff_web.post("/admin/conversations/businesshours/add/", form)
    assert response.status_code == 200 and "not a known time zone" in response.content.decode()
    backwards = {**form, "time_zone": "Europe/London", "opening_hours-0-opens": "17:00", "opening_hours-0-closes": "09:00"}
    assert staff_web.post("/admin/conversations/businesshours/add/", backwards).status_code == 200
    assert BusinessHours.objects.count() == 0
    assert staff_web.post("/admin/conversations/businesshours/add/", {**form, "time_zone": "Europe/London"}).status_code == 302
    assert BusinessHours.objects.get().opening_hours.count() == 1


def test_a_conversation_page_lists_notes_and_transfers_and_the_dashboard_counts_tags(staff_web, agent):
    bob = UserFactory(username="bob.agent", first_name="Bob", groups=[roles.AGENTS])
    conversation = ConversationFactory(status="waiting_for_agent", escalated_at=timezone.now())
    MessageFactory(conversation=conversation, text="help")
    services.note_add(conversation=conversation, author=agent, text="Called the branch already")
    services.conversation_transfer(conversation=conversation, to_agent=bob, by=agent, note="billing")
    services.tag_add(conversation=conversation, name="billing")
    page = staff_web.get(f"/admin/conversations/conversation/{conversation.pk}/change/").content.decode()
    assert "Called the branch already" in page and "private notes (agents only)" in page.lower() and "bob.agent" in page
    dashboard = staff_web.get("/admin/conversations/conversation/dashboard/").content.decode()
    assert '<table id="tag-counts"><tr><td>billing</td><td>1</td></tr>' in dashboard
    assert staff_web.get(f"/admin/conversations/conversation/?tags__id__exact={conversation.tags.get().pk}").status_code == 200


def test_the_csat_report_page(staff_web, agent_web, agent):
    rated = ConversationFactory()
    Message.objects.create(conversation=rated, role=Message.Role.AGENT, text="hi", author=agent)
    services.conversation_rate(conversation=rated, rating=2, comment="Slow <b>answer</b>")
    services.conversation_rate(conversation=ConversationFactory(), rating=5)
    today = timezone.localdate().isoformat()
    page = staff_web.get(f"/admin/conversations/conversation/csat/?from={today}&to={today}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "5.00</strong>bot only (1 rated)" in html and "2.00</strong>with an agent (1 rated)" in html
    assert "<td>alice.agent</td><td>2.00</td><td>1</td>" in html
    assert "<td>2</td><td>Slow &lt;b&gt;answer&lt;/b&gt;</td>" in html
    bad = staff_web.get("/admin/conversations/conversation/csat/?from=not-a-date")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()
    assert agent_web.get("/admin/conversations/conversation/csat/").status_code == 403
