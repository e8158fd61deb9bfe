"""The workspace over REST: the documented error shape for bad input with nothing stored half-way, notes kept
from customers, the tag and queue filters, the offline hand-off notice and contact e-mail, the CSAT report."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conversations import roles, services
from conversations.models import AgentNote, CannedReply, Conversation, ConversationAssignment, Tag
from tests.factories import ConversationFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:400]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    return body["error"]


@pytest.fixture
def waiting(db) -> Conversation:
    conversation = ConversationFactory(status=Conversation.Status.WAITING_FOR_AGENT, escalated_at=timezone.now())
    MessageFactory(conversation=conversation, text="Where is my refund?")
    return conversation


class TestBadInput:
    @pytest.mark.parametrize(("text", "code"), [("", "invalid_canned_reply"), ("x" * 10_000, "canned_reply_too_long"),
                                                ("Hi {{customer.first_name}}", "unknown_variable"), (None, "validation_error")])
    def test_canned_reply(self, staff_api, text, code):
        response = staff_api.post(f"{API}/canned-replies/", {"title": "T", "shortcut": "t", "text": text}, format="json")
        error(response, 400, code)
        assert CannedReply.objects.count() == 0

    def test_changing_a_canned_reply_to_bad_text_keeps_the_old_one(self, staff_api):
        canned = CannedReply.objects.create(title="Hi", shortcut="hi", text="Hello there")
        response = staff_api.put(f"{API}/canned-replies/{canned.pk}/", {"title": "Hi", "shortcut": "hi", "text": "x" * 10_000}, format="json")
        error(response, 400, "canned_reply_too_long")
        canned.refresh_from_db()
        assert canned.text == "Hello there"

    def test_a_tag_with_markup(self, agent_api, waiting):
        error(agent_api.post(f"{API}/conversations/{waiting.public_id}/tags/", {"name": "<b>x</b>"}, format="json"), 400, "invalid_tag")
        assert Tag.objects.count() == 0 and waiting.tags.count() == 0

    def test_an_unknown_agent_for_a_transfer(self, agent_api, waiting):
        response = agent_api.post(f"{API}/conversations/{waiting.public_id}/transfer/", {"to_agent": "nobody"}, format="json")
        assert "nobody" in error(response, 400, "unknown_agent")["message"]
        waiting.refresh_from_db()
        assert waiting.assigned_agent is None and ConversationAssignment.objects.count() == 0

    @pytest.mark.parametrize("rating", [0, "five", 6, None])
    def test_a_rating_of_0_or_five(self, customer_a, customer_a_api, rating):
        response = customer_a_api.post(f"{API}/conversations/{customer_a.public_id}/rate/", {"rating": rating, "comment": "meh"}, format="json")
        error(response, 400, "validation_error")
        customer_a.refresh_from_db()
        assert (customer_a.rating, customer_a.rating_comment) == (None, "")

    @pytest.mark.parametrize(("query", "fragment"), [("from=yesterday", "YYYY-MM-DD"), ("from=2026-03-02&to=2026-03-01", "after")])
    def test_a_bad_csat_period(self, staff_api, query, fragment):
        assert fragment in error(staff_api.get(f"{API}/reports/csat/?{query}"), 400, "invalid_period")["message"]

    def test_bad_business_hours(self, staff_api):
        response = staff_api.put(f"{API}/business-hours/", {"time_zone": "Nowhere/City", "hours": []}, format="json")
        error(response, 400, "invalid_time_zone")


class TestNotesStayWithAgents:
    def test_a_note_never_reaches_the_customer_over_rest(self, agent_api, customer_a, customer_a_api):
        created = agent_api.post(f"{API}/conversations/{customer_a.public_id}/notes/", {"text": "Suspected fraud, check ID"}, format="json")
        assert created.status_code == 201 and created.json()["author"] == "alice.agent"
        assert [n["text"] for n in agent_api.get(f"{API}/conversations/{customer_a.public_id}/notes/").json()] == ["Suspected fraud, check ID"]
        for suffix in ("", "messages/"):
            response = customer_a_api.get(f"{API}/conversations/{customer_a.public_id}/{suffix}")
            assert response.status_code == 200 and b"fraud" not in response.content
        assert customer_a_api.get(f"{API}/conversations/{customer_a.public_id}/notes/").status_code == 403
        assert AgentNote.objects.count() == 1


class TestTagsQueuesAndTransfer:
    def test_tag_filter_counts_and_queues(self, agent, agent_api, waiting):
        other = ConversationFactory(status=Conversation.Status.WITH_AGENT, assigned_agent=agent)
        assert agent_api.post(f"{API}/conversations/{waiting.public_id}/tags/", {"name": "Refund"}, format="json").json() == {"tags": ["refund"]}
        rows = agent_api.get(f"{API}/conversations/?tag=refund").json()["results"]
        assert [r["id"] for r in rows] == [str(waiting.public_id)] and rows[0]["tags"] == ["refund"]
        assert agent_api.get(f"{API}/tags/").json() == [{"name": "refund", "conversations": 1}]
        mine = agent_api.get(f"{API}/conversations/?queue=mine").json()["results"]
        unassigned = agent_api.get(f"{API}/conversations/?queue=unassigned").json()["results"]
        assert [r["id"] for r in mine] == [str(other.public_id)] and [r["id"] for r in unassigned] == [str(waiting.public_id)]
        assert agent_api.delete(f"{API}/conversations/{waiting.public_id}/tags/refund/").status_code == 204
        assert agent_api.get(f"{API}/conversations/?tag=refund").json()["results"] == []

    def test_transfer_and_history(self, agent, agent_api, waiting):
        bob = UserFactory(username="bob.agent", first_name="Bob", groups=[roles.AGENTS])
        services.conversation_assign(conversation=waiting, agent=agent)
        response = agent_api.post(f"{API}/conversations/{waiting.public_id}/transfer/", {"to_agent": "bob.agent", "note": "billing"},
                                  format="json")
        assert response.status_code == 201 and response.json()["to_agent"] == "bob.agent"
        waiting.refresh_from_db()
        assert waiting.assigned_agent == bob
        history = agent_api.get(f"{API}/conversations/{waiting.public_id}/transfer/").json()
        assert [(h["from_agent"], h["to_agent"], h["by"], h["note"]) for h in history] == [("alice.agent", "bob.agent", "alice.agent", "billing")]


class TestCannedReplies:
    def test_agents_list_them_rendered_for_a_conversation(self, staff_api, agent_api, waiting):
        created = staff_api.post(f"{API}/canned-replies/", {"title": "Greeting", "shortcut": "hi", "text": "I'm {{agent.first_name}}, ref {{conversation.id}}"},
                                 format="json")
        assert created.status_code == 201
        rows = agent_api.get(f"{API}/canned-replies/?conversation={waiting.public_id}").json()
        assert rows[0]["shortcut"] == "hi" and rows[0]["rendered"] == f"I'm Alice, ref {waiting.public_id.hex[:8]}"
        assert agent_api.post(f"{API}/canned-replies/", {"title": "x", "shortcut": "x", "text": "x"}, format="json").status_code == 403


class TestOfflineHandoffAndCsat:
    def test_the_customer_learns_when_to_expect_a_reply_and_leaves_an_email(self, customer_a, customer_a_api, settings):
        settings.PII_ANONYMIZE = True
        body = customer_a_api.post(f"{API}/conversations/{customer_a.public_id}/messages/", {"text": "I want a person"}, format="json").json()
        conversation = body["conversation"]
        assert conversation["status"] == "waiting_for_agent" and conversation["offline_handoff"] is True
        assert "e-mail" in conversation["offline_notice"] and conversation["contact_email_left"] is False
        left = customer_a_api.post(f"{API}/conversations/{customer_a.public_id}/contact-email/", {"email": "sam@example.org"}, format="json")
        assert left.status_code == 200 and left.json()["contact_email_left"] is True
        customer_a.refresh_from_db()
        assert "sam@" not in customer_a.contact_email and customer_a.contact_email.startswith("<")
        error(customer_a_api.post(f"{API}/conversations/{customer_a.public_id}/contact-email/", {"email": "nope"}, format="json"), 400,
              "invalid_email")

    def test_rating_with_a_comment_and_the_report(self, customer_a, customer_a_api, staff_api):
        response = customer_a_api.post(f"{API}/conversations/{customer_a.public_id}/rate/", {"rating": 4, "comment": "Quick answer"}, format="json")
        assert response.status_code == 200
        customer_a.refresh_from_db()
        assert customer_a.rating_comment == "Quick answer"
        today = timezone.localdate().isoformat()
        report = staff_api.get(f"{API}/reports/csat/?from={today}&to={today}").json()
        assert report["bot_only"] == {"count": 1, "average": 4.0} and report["with_agent"] == {"count": 0, "average": None}
        assert [(c["conversation"], c["rating"], c["comment"]) for c in report["comments"]] == [(str(customer_a.public_id), 4, "Quick answer")]
