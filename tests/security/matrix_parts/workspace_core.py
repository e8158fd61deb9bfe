"""Access rows for the agent workspace's endpoints (issue 15, items 3, 5, 6): canned replies, private
notes, tags, transfer, availability, business hours, the customer's contact e-mail, the CSAT report.

Customers never read notes, tags, transfers or reports, whichever conversation their token names."""

from __future__ import annotations

from django.utils import timezone

from conversations import roles, services
from conversations.models import CannedReply, Conversation
from tests.factories import ConversationFactory, UserFactory
from tests.security.endpoints import Call

CONVERSATION = {"public_id": "conversation"}

ROWS = {
    # (URL name, method)                       anon cust_a cust_b agent staff integ old_tok old_conv
    ("canned-reply-list", "GET"):              (401, 403, 403, 200, 200, 403, 401, 401),
    ("canned-reply-list", "POST"):             (401, 403, 403, 403, 201, 403, 401, 401),
    ("canned-reply-detail", "GET"):            (401, 403, 403, 200, 200, 403, 401, 401),
    ("canned-reply-detail", "PUT"):            (401, 403, 403, 403, 200, 403, 401, 401),
    ("canned-reply-detail", "DELETE"):         (401, 403, 403, 403, 204, 403, 401, 401),
    ("conversation-notes", "GET"):             (401, 403, 403, 200, 200, 403, 401, 401),
    ("conversation-notes", "POST"):            (401, 403, 403, 201, 201, 403, 401, 401),
    ("conversation-tags", "GET"):              (401, 403, 403, 200, 200, 403, 401, 401),
    ("conversation-tags", "POST"):             (401, 403, 403, 201, 201, 403, 401, 401),
    ("conversation-tag", "DELETE"):            (401, 403, 403, 204, 204, 403, 401, 401),
    ("conversation-transfer", "GET"):          (401, 403, 403, 200, 200, 403, 401, 401),
    ("conversation-transfer", "POST"):         (401, 403, 403, 201, 201, 403, 401, 401),
    ("conversation-contact-email", "POST"):    (401, 200, 403, 403, 200, 200, 401, 401),
    ("tag-list", "GET"):                       (401, 403, 403, 200, 200, 403, 401, 401),
    ("my-availability", "GET"):                (401, 403, 403, 200, 200, 403, 401, 401),
    ("my-availability", "PUT"):                (401, 403, 403, 200, 200, 403, 401, 401),
    ("business-hours", "GET"):                 (401, 403, 403, 200, 200, 403, 401, 401),
    ("business-hours", "PUT"):                 (401, 403, 403, 403, 200, 403, 401, 401),
    ("csat-report", "GET"):                    (401, 403, 403, 403, 200, 403, 401, 401),
}

CALLS = {
    "canned-reply-list": Call(bodies={"POST": {"title": "Hello", "shortcut": "hello", "text": "Hi, I'm {{agent.first_name}}."}}),
    "canned-reply-detail": Call({"pk": "canned_reply"}, bodies={"PUT": {"title": "Bye", "shortcut": "bye", "text": "Goodbye."}}),
    "conversation-notes": Call(CONVERSATION, bodies={"POST": {"text": "Asked twice already"}}),
    "conversation-tags": Call(CONVERSATION, bodies={"POST": {"name": "billing"}}),
    "conversation-tag": Call({"public_id": "tagged_conversation", "name": "=vip"}),
    # A waiting conversation transferred to an agent of the world: each role that may transfer gets a 201.
    "conversation-transfer": Call({"public_id": "waiting_conversation"}, bodies={"POST": {"to_agent": "tina.transfer"}}),
    "conversation-contact-email": Call(CONVERSATION, bodies={"POST": {"email": "a.customer@example.com"}}),
    "my-availability": Call(bodies={"PUT": {"availability": "online"}}),
    "business-hours": Call(bodies={"PUT": {"time_zone": "Europe/London",
                                           "hours": [{"weekday": 0, "opens": "09:00", "closes": "17:00"}]}}),
    "csat-report": Call(bodies={"GET": {"from": "2026-01-01", "to": "2026-01-31"}}),
}


def make_objects(world) -> dict[str, object]:
    UserFactory(username="tina.transfer", first_name="Tina", groups=[roles.AGENTS])
    tagged = ConversationFactory()
    services.tag_add(conversation=tagged, name="vip")
    waiting = ConversationFactory(status=Conversation.Status.WAITING_FOR_AGENT, escalated_at=timezone.now())
    canned = CannedReply.objects.create(title="Hi", shortcut="hi", text="Hi there")
    return {"canned_reply": canned.pk, "tagged_conversation": tagged.public_id, "waiting_conversation": waiting.public_id}
