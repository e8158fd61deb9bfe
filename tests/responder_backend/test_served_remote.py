"""The served path with `RESPONDER_BACKEND=openai`: a customer message over REST (PII on) goes through the
real generative tier (grounding check, citations, extractive fallback) to a loopback chat-completions server.
A server that is down or breaks mid-reply hands the customer off with the error reason: no 500, one reply."""

from __future__ import annotations

import pytest

from conversations.models import Conversation, HandoffReason, Message
from tests.responder_backend.fake_server import FakeServer
from tests.responder_backend.served import EMAIL, ask

pytestmark = pytest.mark.django_db


def test_the_server_writes_the_reply_checked_and_cited_as_in_process(served):
    with FakeServer() as server:
        served(server.url("ok"))
        conversation, reply = ask(f"My card hasn't come, when will it arrive? Write to {EMAIL}")
        sent = server.requests[-1]["body"]["messages"]
    assert reply["role"] == "bot" and reply["text"].startswith("New cards arrive within 3 to 5 working days [1].")
    stored = Message.objects.get(pk=reply["id"])
    assert stored.answer_tier == "generative" and stored.model_versions["responder"] == 3
    assert [s["title"] for s in stored.sources] == ["When will my card arrive?"]
    # The prompt is the one the in-process backends use: the passage numbered [1] in the system message,
    # and the customer's text as stored (anonymized), never the raw address.
    assert "[1] When will my card arrive?" in sent[0]["content"] and sent[-1]["role"] == "user"
    assert EMAIL not in sent[-1]["content"]
    assert all(EMAIL not in m.text for m in conversation.messages.all())
    assert conversation.messages.count() == 2


@pytest.mark.parametrize("behaviour", ["down", "malformed", "http500", "slow_first"])
def test_a_failing_server_hands_off_with_the_error_reason_once(served, behaviour):
    with FakeServer(delay=3.0) as server:
        url = server.url(behaviour)
        if behaviour == "down":
            url = "http://127.0.0.1:9/v1"  # the discard port: nothing listens on loopback
        served(url)
        conversation, reply = ask("When will my card arrive?")
    assert reply["role"] == "system"
    conversation.refresh_from_db()
    assert conversation.handoff_reason == HandoffReason.ERROR
    assert conversation.status == Conversation.Status.WAITING_FOR_AGENT
    assert list(conversation.messages.values_list("role", flat=True).order_by("id")) == ["customer", "system"]
