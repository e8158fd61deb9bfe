"""The demo bot action end to end over the customer socket (PII on): the real ASGI app, the real message path,
the demo card-delivery service on loopback. The bot asks for the reference, calls, fills the template; a
failing service hands the conversation to a person with the reason."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conversations.models import Conversation, HandoffReason, Intent
from conversations.privacy import anonymize_text
from integrations.demo_service import delivery_status
from integrations.management.commands.load_demo_actions import DEMO_ACTION
from integrations.models import ActionCall
from tests.factories import ConversationFactory
from tests.integrations.demo import demo_action_load, demo_service_running, demo_settings
from tests.live.conftest import (  # noqa: F401 - fixtures used by name
    LIVE_APPS,
    app_data_restored,
    application,
    customer_socket,
    frames_until,
    live_settings,
    next_frame,
    reply_workers,
)

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, available_apps=[*LIVE_APPS, "integrations"]),
    pytest.mark.usefixtures("app_data_restored"),
]
TIMEOUT = 10.0


@pytest.fixture
def demo_conversation(live_settings, db) -> Conversation:  # noqa: F811
    demo_settings(live_settings)
    live_settings.PII_ANONYMIZE = True
    anonymize_text("warm up the PII engine before the socket's timeouts start")
    Intent.objects.get_or_create(name="card_arrival")
    with demo_service_running(slow_s=2.0) as url:
        demo_action_load(url)
        yield ConversationFactory()


async def _reply_end(socket, text: str, client_id: str) -> list[dict]:
    await socket.send_json_to({"type": "message", "text": text, "client_message_id": client_id})
    return await frames_until(socket, "reply_end", timeout=TIMEOUT)


async def test_the_bot_asks_calls_and_fills_the_reply(application, demo_conversation):  # noqa: F811
    async with customer_socket(application, demo_conversation) as (socket, _):
        frames = await _reply_end(socket, "Where is my new card?", "a1")
        assert frames[-1]["text"] == DEMO_ACTION["parameters"][0]["prompt"] and frames[-1]["role"] == "bot"
        assert "".join(f["text"] for f in frames if f["type"] == "token") == frames[-1]["text"]
        frames = await _reply_end(socket, "12345678", "a2")
    expected = delivery_status("12345678")
    end = frames[-1]
    assert end["role"] == "bot" and end["status"] == "with_bot"
    assert end["text"].startswith(f"Your card is {expected['status']}: Royal Mail took it on ")
    assert expected["expected_by"] in end["text"]
    stored = await database_sync_to_async(lambda: list(demo_conversation.messages.order_by("id").values_list("role", "text")))()
    assert stored[2] == ("customer", "<TICKET_ID_1>")  # the reference is kept as its placeholder
    call = await database_sync_to_async(ActionCall.objects.get)()
    assert call.outcome == "answered" and call.status_code == 200


async def test_a_failing_service_hands_off_with_the_reason(application, demo_conversation):  # noqa: F811
    async with customer_socket(application, demo_conversation) as (socket, _):
        await _reply_end(socket, "Where is my card?", "b1")
        frames = await _reply_end(socket, "99999999", "b2")
        if not any(f["type"] == "status" for f in frames):
            frames.append(await next_frame(socket, "status", timeout=TIMEOUT))
    end = next(f for f in frames if f["type"] == "reply_end")
    assert end["role"] == "system" and end["status"] == "waiting_for_agent"
    assert end["text"] == DEMO_ACTION["fallback_text"]
    assert next(f for f in frames if f["type"] == "status")["event"] == "handed_off"
    conversation = await database_sync_to_async(Conversation.objects.get)(pk=demo_conversation.pk)
    assert conversation.handoff_reason == HandoffReason.ACTION_FAILED
