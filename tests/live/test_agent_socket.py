"""The agent console's socket: permission, the live queue, join / reply / typing / return / close."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from conversations.models import Conversation, Message
from tests.factories import ConversationFactory
from tests.live.conftest import ORIGIN, TIMEOUT, agent_socket, customer_socket, frames_until, live_db, next_frame, socket_headers

pytestmark = [pytest.mark.asyncio, *live_db]


async def _handshake(application, headers) -> tuple[bool, int]:
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    try:
        return await socket.connect(timeout=TIMEOUT)
    finally:
        await socket.disconnect()


async def test_the_agent_socket_needs_the_permission_and_the_servers_own_origin(application, outsider_cookie, agent_cookie, settings):
    settings.CHAT_ALLOWED_ORIGINS = ["https://shop.example"]
    assert await _handshake(application, socket_headers(ORIGIN)) == (False, 4403)
    assert await _handshake(application, socket_headers(ORIGIN, outsider_cookie)) == (False, 4403)
    # Embedding sites may open customer sockets, never the cookie-authenticated agent socket.
    assert (await _handshake(application, socket_headers("https://shop.example", agent_cookie)))[0] is False
    assert (await _handshake(application, socket_headers("https://evil.example", agent_cookie)))[0] is False


async def test_the_queue_lists_waiting_and_assigned_conversations_waiting_first(application, agent_cookie, agent):
    make = database_sync_to_async(ConversationFactory)
    assigned = await make(status=Conversation.Status.WITH_AGENT, assigned_agent=agent)
    waiting = await make(status=Conversation.Status.WAITING_FOR_AGENT)
    await make(status=Conversation.Status.WITH_BOT)
    await make(status=Conversation.Status.CLOSED)
    await database_sync_to_async(Message.objects.create)(conversation=waiting, role="customer", text="Help, please")
    async with agent_socket(application, agent_cookie) as (_, queue):
        rows = queue["conversations"]
    assert [r["id"] for r in rows] == [str(waiting.public_id), str(assigned.public_id)]
    assert rows[0]["last_message"] == "Help, please" and rows[1]["assigned_agent"] == "Alice"


async def test_a_handoff_reaches_the_console_live_and_a_reply_takes_it_over(application, agent_cookie, conversation):
    async with agent_socket(application, agent_cookie) as (console, _), customer_socket(application, conversation) as (customer, _):
        await customer.send_json_to({"type": "handoff"})
        changed = await next_frame(console, "conversation")
        assert changed["conversation"]["id"] == str(conversation.public_id)
        assert changed["conversation"]["status"] == "waiting_for_agent"
        assert changed["conversation"]["last_message"].startswith("Of course")
        await next_frame(customer, "status")

        # Replying without joining first takes the conversation over.
        await console.send_json_to({"type": "reply", "conversation": str(conversation.public_id), "text": "I'm here."})
        reply = await customer.receive_json_from(timeout=TIMEOUT)
        status = await customer.receive_json_from(timeout=TIMEOUT)
        changed = await next_frame(console, "conversation")
        while changed["conversation"]["status"] != "with_agent":
            changed = await next_frame(console, "conversation")
    assert reply["type"] == "agent_message" and status["event"] == "agent_joined"
    assert changed["conversation"]["assigned_agent"] == "Alice"


async def test_join_reply_typing_return_and_close_reach_the_customer(application, agent_cookie, conversation):
    public_id = str(conversation.public_id)
    async with agent_socket(application, agent_cookie) as (console, _), customer_socket(application, conversation) as (customer, _):
        await customer.send_json_to({"type": "handoff"})
        await next_frame(customer, "status")
        await console.send_json_to({"type": "open", "conversation": public_id})
        transcript = await next_frame(console, "transcript")
        assert transcript["conversation"]["status"] == "waiting_for_agent"
        assert [m["role"] for m in transcript["messages"]] == ["system"]

        await console.send_json_to({"type": "join", "conversation": public_id})
        joined = await customer.receive_json_from(timeout=TIMEOUT)
        assert joined["type"] == "message" and joined["message"]["text"].startswith("Alice from our support team")
        assert await customer.receive_json_from(timeout=TIMEOUT) == {
            "type": "status", "status": "with_agent", "event": "agent_joined", "agent": "Alice"}

        await console.send_json_to({"type": "typing", "conversation": public_id, "typing": True})
        assert await customer.receive_json_from(timeout=TIMEOUT) == {"type": "typing", "role": "agent", "typing": True}
        await console.send_json_to({"type": "reply", "conversation": public_id, "text": "Hello, I'm Alice. How can I help?"})
        reply = await customer.receive_json_from(timeout=TIMEOUT)
        assert reply["type"] == "agent_message"
        assert reply["message"]["text"] == "Hello, I'm Alice. How can I help?" and reply["message"]["author"] == "Alice"

        await customer.send_json_to({"type": "typing", "typing": True})
        typing = await next_frame(console, "typing")
        assert typing == {"type": "typing", "conversation": public_id, "role": "customer", "typing": True}
        await customer.send_json_to({"type": "message", "text": "My card never came", "client_message_id": "m1"})
        assert (await customer.receive_json_from(timeout=TIMEOUT))["type"] == "ack"
        assert await customer.receive_nothing(timeout=0.2)  # with an agent, the bot is silent
        seen = await next_frame(console, "message")
        while seen["message"]["role"] != "customer":
            seen = await next_frame(console, "message")
        assert seen["message"]["text"] == "My card never came"

        await console.send_json_to({"type": "return_to_bot", "conversation": public_id})
        notice = await customer.receive_json_from(timeout=TIMEOUT)
        back = await customer.receive_json_from(timeout=TIMEOUT)
        assert notice["message"]["text"] == "You are back with our virtual assistant."
        assert back == {"type": "status", "status": "with_bot", "event": "returned_to_bot", "agent": None}

        await console.send_json_to({"type": "close", "conversation": public_id})
        closed = await customer.receive_json_from(timeout=TIMEOUT)
        assert closed == {"type": "status", "status": "closed", "event": "closed", "agent": None}
        console_frames = await frames_until(console, "status")
        while console_frames[-1]["event"] != "closed":
            console_frames = await frames_until(console, "status")
    assert await database_sync_to_async(lambda: Conversation.objects.get(pk=conversation.pk).status)() == "closed"


BAD_AGENT_FRAMES = [
    ('{"type": "open"}', "missing_field"),
    ('{"type": "open", "conversation": "not-a-uuid"}', "not_found"),
    ('{"type": "join", "conversation": "8d7f1c0e-0000-4000-8000-000000000000"}', "not_found"),
    ('{"type": "message", "text": "customers only"}', "unknown_type"),
    ("{oops", "invalid_json"),
]


async def test_bad_agent_frames_and_forbidden_transitions_get_error_frames(application, agent_cookie, settings):
    settings.CHAT_SOCKET_RATE_LIMIT = 100
    closed = await database_sync_to_async(ConversationFactory)(status=Conversation.Status.CLOSED)
    async with agent_socket(application, agent_cookie) as (console, _):
        for raw, code in BAD_AGENT_FRAMES:
            await console.send_to(text_data=raw)
            assert (await console.receive_json_from(timeout=TIMEOUT))["code"] == code, raw
        await console.send_json_to({"type": "join", "conversation": str(closed.public_id)})
        assert (await console.receive_json_from(timeout=TIMEOUT))["code"] == "invalid_transition"
        await console.send_json_to({"type": "reply", "conversation": str(closed.public_id), "text": ""})
        assert (await console.receive_json_from(timeout=TIMEOUT))["code"] == "invalid_message"
