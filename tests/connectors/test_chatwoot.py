"""The bot as Chatwoot's agent bot, against a loopback server that enforces Chatwoot's documented API contract
(chatwoot_contract.py): the webhook in, answers posted back, a hand-off opens the conversation; PII rules and
the grounded tiers are the widget's."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from connectors.chatwoot.bot import chatwoot_reply_forward
from connectors.chatwoot.client import ChatwootCallFailed
from connectors.models import ChatwootConversation, ChatwootDelivery
from conversations.models import Conversation, HandoffReason, Message
from tests.connectors.chatwoot_contract import ChatwootStandIn

TOKEN = "bot-access-token-for-tests"
SECRET = "chatwoot-outgoing-url-secret"
WEBHOOK = f"/api/v1/connectors/chatwoot/webhook/?secret={SECRET}"


@pytest.fixture
def chatwoot(settings, loopback) -> ChatwootStandIn:
    stand_in = ChatwootStandIn(token=TOKEN, conversations={(3, 41): "pending", (3, 42): "pending"})
    server = loopback(stand_in)
    settings.CHATWOOT_BASE_URL, settings.CHATWOOT_BOT_TOKEN, settings.CHATWOOT_WEBHOOK_SECRET = server.url, TOKEN, SECRET
    return stand_in


def event(content: object, *, message_id: int = 501, conversation: int = 41, status: str = "pending", **extra: object) -> dict:
    """The message_created payload of Chatwoot's webhook events page (the fields the bot reads, and some it ignores)."""
    return {"event": "message_created", "id": message_id, "content": content, "created_at": "2026-03-03T13:05:57Z",
            "message_type": "incoming", "content_type": "text", "content_attributes": {}, "source_id": None, "private": False,
            "sender": {"id": 9, "name": "Olga Petrova", "type": "contact"}, "inbox": {"id": 2, "name": "Website"},
            "conversation": {"id": conversation, "status": status, "channel": "Channel::WebWidget", "inbox_id": 2},
            "account": {"id": 3, "name": "Kestrel Bank"}, **extra}


def post(payload: object, capture, url: str = WEBHOOK):  # noqa: ANN001, ANN201
    with capture(execute=True):
        return APIClient().post(url, payload, format="json")


@pytest.mark.django_db
def test_an_incoming_message_is_answered_through_chatwoots_api_with_pii_kept_out(bot, chatwoot, django_capture_on_commit_callbacks):
    response = post(event("When will my card arrive? I am olga.petrova@example.org"), django_capture_on_commit_callbacks)
    assert response.status_code == 200, response.json()
    link = ChatwootConversation.objects.get(account_id=3, chatwoot_conversation_id=41)
    assert link.conversation.channel == Conversation.Channel.CHATWOOT
    customer = Message.objects.get(pk=response.json()["message"])
    assert "olga.petrova@example.org" not in customer.text and "<EMAIL_1>" in customer.text  # the same ingress as the widget
    assert chatwoot.refused == []
    [posted] = chatwoot.messages
    assert posted["conversation_id"] == 41 and posted["private"] is False
    assert "3-5 working days [1]." in posted["content"] and "[1] Card delivery" in posted["content"]
    delivery = ChatwootDelivery.objects.get()
    assert (delivery.kind, delivery.status_code, delivery.error) == (ChatwootDelivery.Kind.MESSAGE, 200, "")
    assert chatwoot.conversations[(3, 41)] == "pending"  # answered: it stays with the bot


@pytest.mark.django_db
def test_a_handoff_posts_the_notice_then_opens_the_conversation_for_chatwoots_agents(bot, chatwoot, django_capture_on_commit_callbacks):
    response = post(event("I want to talk to a human", conversation=42), django_capture_on_commit_callbacks)
    assert response.status_code == 200
    reply = Message.objects.get(pk=response.json()["reply"])
    assert reply.handoff_reason == HandoffReason.CUSTOMER_REQUEST
    assert [m["conversation_id"] for m in chatwoot.messages] == [42] and chatwoot.conversations[(3, 42)] == "open"
    assert list(ChatwootDelivery.objects.order_by("id").values_list("kind", flat=True)) == ["message", "handoff"]
    # Chatwoot keeps sending messages of an open conversation to its agents, not to the bot: if one comes, it is ignored.
    ignored = post(event("hello?", message_id=502, conversation=42, status="open"), django_capture_on_commit_callbacks)
    assert ignored.status_code == 202 and "open" in ignored.json()["ignored"]


@pytest.mark.django_db
def test_a_redelivered_webhook_is_answered_once(bot, chatwoot, django_capture_on_commit_callbacks):
    first = post(event("When will my card arrive?"), django_capture_on_commit_callbacks).json()
    again = post(event("When will my card arrive?"), django_capture_on_commit_callbacks).json()
    assert first == again and len(chatwoot.messages) == 1
    assert Message.objects.filter(role=Message.Role.CUSTOMER).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("payload", "reason"), [
    (event("x", message_type="outgoing"), "not an incoming message"),
    (event("x", private=True), "a private note"),
    ({**event("x"), "event": "conversation_created"}, "is not message_created"),
    (event(""), "no text"),
])
def test_events_that_are_not_the_customer_talking_to_the_bot_are_ignored(payload, reason, bot, chatwoot, django_capture_on_commit_callbacks):
    response = post(payload, django_capture_on_commit_callbacks)
    assert response.status_code == 202 and reason in response.json()["ignored"]
    assert not Conversation.objects.exists() and chatwoot.messages == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/connectors/chatwoot/webhook/", "/api/v1/connectors/chatwoot/webhook/?secret=wrong"])
def test_a_webhook_without_the_secret_is_refused(url, bot, chatwoot, django_capture_on_commit_callbacks):
    response = post(event("When will my card arrive?"), django_capture_on_commit_callbacks, url=url)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_a_malformed_event_is_refused_with_the_error_shape(bot, chatwoot, django_capture_on_commit_callbacks):
    response = post({**event("card?"), "conversation": {"id": "forty-one", "status": "pending"}}, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_chatwoot_payload" and not Conversation.objects.exists()


@pytest.mark.django_db
def test_chatwoot_refusing_a_call_is_recorded_and_raised_for_a_retry(bot, chatwoot, settings, django_capture_on_commit_callbacks):
    settings.CHATWOOT_BOT_TOKEN = "a-revoked-token"
    post(event("When will my card arrive?"), django_capture_on_commit_callbacks)  # the task fails, and is queued to retry
    delivery = ChatwootDelivery.objects.get()
    with pytest.raises(ChatwootCallFailed):
        chatwoot_reply_forward(message=delivery.message)
    delivery.refresh_from_db()
    assert delivery.status_code == 401 and "401" in delivery.error and chatwoot.refused == [(401, "Invalid Access Token")] * 2
    settings.CHATWOOT_BOT_TOKEN = TOKEN  # the retry, once the token is fixed
    chatwoot_reply_forward(message=delivery.message)
    delivery.refresh_from_db()
    assert (delivery.status_code, delivery.error) == (200, "") and len(chatwoot.messages) == 1


@pytest.mark.django_db
def test_the_chatwoot_url_goes_through_the_outbound_checks(bot, chatwoot, settings, django_capture_on_commit_callbacks):
    settings.OUTBOUND_ALLOWED_HOSTS = []  # loopback is refused unless allow-listed
    post(event("When will my card arrive?"), django_capture_on_commit_callbacks)
    delivery = ChatwootDelivery.objects.get()
    assert chatwoot.messages == [] and delivery.status_code is None and "loopback" in delivery.error
    with pytest.raises(ChatwootCallFailed, match="loopback"):
        chatwoot_reply_forward(message=delivery.message)
