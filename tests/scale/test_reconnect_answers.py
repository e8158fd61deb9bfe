"""A socket that connects to a conversation whose last customer message was stored by a web process that
died before replying gets that message answered, once, without resending it (the widget sees the
message stored in the history and does not send it again)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from conversations.models import Message
from tests.live.conftest import (  # noqa: F401
    app_data_restored,
    application,
    conversation,
    customer_socket,
    frames_until,
    live_db,
    live_settings,
    reply_workers,
)

pytestmark = [pytest.mark.asyncio, *live_db]


async def test_connecting_answers_a_message_its_dead_process_never_answered(application, conversation, settings):  # noqa: F811
    settings.CHAT_ANSWER_LEASE_S = 1
    message = await database_sync_to_async(Message.objects.create)(
        conversation=conversation, role=Message.Role.CUSTOMER, text="When will my new card arrive?", client_message_id="lost-1",
        answering_by="web-3:999:gone", answering_since=timezone.now() - timedelta(seconds=5))
    async with customer_socket(application, conversation) as (socket, history):
        assert [m["id"] for m in history["messages"]] == [message.pk]
        frames = await frames_until(socket, "reply_end", timeout=30)
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "reply_start" and "ack" in kinds and kinds[-1] == "reply_end"
    assert frames[-1]["reply_to"] == message.pk
    replies = await database_sync_to_async(lambda: list(Message.objects.filter(reply_to=message).values_list("role", flat=True)))()
    assert replies == ["bot"]
    # A second socket finds it answered: nothing more is generated or stored.
    async with customer_socket(application, conversation) as (_, history):
        assert [m["role"] for m in history["messages"]] == ["customer", "bot"]
    assert await database_sync_to_async(Message.objects.filter(reply_to=message).count)() == 1
