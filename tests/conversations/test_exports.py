"""Transcript exports: the JSONL and CSV admin actions and what the files contain."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from conversations import exports, services
from conversations.models import Conversation, Message
from tests.factories import ConversationFactory, IntentFactory, MessageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/conversations/conversation/"


@pytest.fixture
def conversations(db, agent):
    card = IntentFactory(name="card_arrival")
    now = timezone.now()
    first = ConversationFactory(rating=4)
    question = MessageFactory(conversation=first, text='My card, "the blue one", is late\nsecond line', intent=card, confidence=0.91234)
    MessageFactory(conversation=first, role=Message.Role.BOT, text="Cards arrive in 3-5 working days.", intent=card,
                   confidence=0.91234, reply_to=question,
                   sources=[{"id": 3, "title": "Card delivery", "url": "https://help.example/card", "score": 0.88}])
    second = ConversationFactory(channel=Conversation.Channel.API)
    MessageFactory(conversation=second, text="Ünïcödé question €")
    services.conversation_assign(conversation=second, agent=agent)
    services.conversation_close(conversation=second)
    unselected = ConversationFactory()
    MessageFactory(conversation=unselected, text="not exported")
    # Created one after the other, oldest first.
    for n, c in enumerate((first, second, unselected)):
        Conversation.objects.filter(pk=c.pk).update(created_at=now - dt.timedelta(hours=3 - n))
    return [Conversation.objects.get(pk=c.pk) for c in (first, second, unselected)]


def export(client, action: str, conversations: list[Conversation]):  # noqa: ANN001,ANN201
    return client.post(CHANGELIST, {"action": action, "_selected_action": [c.pk for c in conversations], "index": "0"})


class TestJsonl:
    def test_staff_export_selected_conversations(self, staff_web, conversations):
        first, second, _ = conversations
        response = export(staff_web, "export_jsonl", [second, first])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/x-ndjson"
        assert response["Content-Disposition"].startswith('attachment; filename="conversations-')
        assert response["Content-Disposition"].endswith('.jsonl"')
        lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
        records = [json.loads(line) for line in lines]
        assert [r["id"] for r in records] == [str(first.public_id), str(second.public_id)]
        one, two = records
        assert (one["status"], one["channel"], one["rating"], one["escalated_at"]) == ("with_bot", "widget", 4, None)
        assert [(m["role"], m["intent"]) for m in one["messages"]] == [("customer", "card_arrival"), ("bot", "card_arrival")]
        assert one["messages"][0]["text"] == 'My card, "the blue one", is late\nsecond line'
        assert one["messages"][0]["confidence"] == pytest.approx(0.91234)
        assert one["messages"][1]["sources"] == [{"id": 3, "title": "Card delivery", "url": "https://help.example/card", "score": 0.88}]
        assert dt.datetime.fromisoformat(one["created_at"]) == first.created_at
        assert two["status"] == "closed" and two["channel"] == "api" and two["escalated_at"] is not None
        assert [m["role"] for m in two["messages"]] == ["customer", "system"]
        assert two["messages"][0]["text"] == "Ünïcödé question €"
        assert "access_token" not in lines[0] and first.access_token not in "".join(lines)

    def test_agents_cannot_export(self, agent_web, conversations):
        response = export(agent_web, "export_jsonl", conversations)
        assert response.status_code == 302
        assert not response.has_header("Content-Disposition")
        assert [str(m) for m in get_messages(response.wsgi_request)] == ["You do not have permission to export transcripts."]
        response = export(agent_web, "export_csv", conversations)
        assert not response.has_header("Content-Disposition")


class TestCsv:
    def test_staff_export_a_message_per_row(self, staff_web, conversations):
        first, second, _ = conversations
        response = export(staff_web, "export_csv", [first, second])
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].endswith('.csv"')
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
        assert rows[0] == exports.CSV_COLUMNS
        body = [dict(zip(rows[0], row)) for row in rows[1:]]
        assert [(r["conversation_id"], r["role"]) for r in body] == [
            (str(first.public_id), "customer"), (str(first.public_id), "bot"),
            (str(second.public_id), "customer"), (str(second.public_id), "system"),
        ]
        assert body[0]["text"] == 'My card, "the blue one", is late\nsecond line'
        assert (body[0]["intent"], body[0]["confidence"], body[0]["rating"]) == ("card_arrival", "0.9123", "4")
        assert (body[2]["intent"], body[2]["confidence"], body[2]["rating"], body[2]["status"]) == ("", "", "", "closed")
        assert body[2]["text"] == "Ünïcödé question €"
        assert all(r["message_id"].isdigit() for r in body)

    def test_superuser_may_export_everything_selected_across(self, superuser_web, conversations):
        response = superuser_web.post(CHANGELIST, {"action": "export_csv", "_selected_action": [conversations[0].pk],
                                                   "select_across": "1", "index": "0"})
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert {r[0] for r in rows[1:]} == {str(c.public_id) for c in conversations}


def test_export_of_a_filtered_selection_keeps_every_message(staff_web, conversations):
    # The changelist's text search joins messages; the export must still contain whole transcripts.
    first = conversations[0]
    response = staff_web.post(f"{CHANGELIST}?q=blue", {"action": "export_jsonl", "_selected_action": [first.pk], "index": "0"})
    records = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert len(records) == 1 and len(records[0]["messages"]) == 2


def test_export_functions_directly(conversations):
    first, second, unselected = conversations
    selection = Conversation.objects.filter(pk__in=[first.pk, unselected.pk])
    lines = list(exports.transcripts_jsonl(selection))
    assert [json.loads(line)["id"] for line in lines] == [str(first.public_id), str(unselected.public_id)]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert exports.transcripts_csv(Conversation.objects.none()).strip() == ",".join(exports.CSV_COLUMNS)
