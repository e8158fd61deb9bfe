"""The customer's socket: auth, streamed replies, idempotent resends, hand-off, rating, typing, close."""

from __future__ import annotations

import time

import pytest
from channels.db import database_sync_to_async

from conversations.models import Conversation, Message
from tests.live.conftest import TIMEOUT, customer_socket, frames_until, live_db, next_frame
from tests.live.pipelines import ANSWER, SOURCE

pytestmark = [pytest.mark.asyncio, *live_db]


@database_sync_to_async
def _messages(conversation: Conversation) -> list[tuple[str, str]]:
    return list(conversation.messages.order_by("id").values_list("role", "text"))


@database_sync_to_async
def _status(conversation: Conversation) -> str:
    return Conversation.objects.get(pk=conversation.pk).status


async def test_auth_frame_opens_the_conversation_and_history_catches_up_on_reconnect(application, conversation):
    await database_sync_to_async(Message.objects.create)(conversation=conversation, role="customer", text="Earlier question")
    async with customer_socket(application, conversation) as (socket, history):
        assert history["conversation"]["id"] == str(conversation.public_id)
        assert history["conversation"]["status"] == "with_bot"
        assert [m["text"] for m in history["messages"]] == ["Earlier question"]
        await socket.send_json_to({"type": "message", "text": "card question", "client_message_id": "r1"})
        await next_frame(socket, "reply_end")
    async with customer_socket(application, conversation) as (_, history):
        assert [m["role"] for m in history["messages"]] == ["customer", "customer", "bot"]
        assert history["messages"][-1]["sources"][0]["url"] == SOURCE.url


async def test_a_reply_streams_token_by_token_then_ends_with_its_metadata(application, conversation):
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to({"type": "message", "text": "When does my card arrive?", "client_message_id": "c-1"})
        frames, stamps = [], []
        while not frames or frames[-1]["type"] != "reply_end":
            frames.append(await socket.receive_json_from(timeout=TIMEOUT))
            stamps.append(time.monotonic())

    kinds = [f["type"] for f in frames]
    assert kinds[0] == "reply_start" and frames[0]["client_message_id"] == "c-1"
    tokens = [f["text"] for f in frames if f["type"] == "token"]
    assert len(tokens) == len(ANSWER) >= 2
    assert kinds.index("ack") > kinds.index("token") and kinds[-1] == "reply_end"
    # Streamed while generated: the first token came well before the last (each waits LIVE_TOKEN_DELAY_S).
    first_token, end = stamps[kinds.index("token")], stamps[-1]
    assert end - first_token > 0.05

    end_frame = frames[-1]
    bot = await database_sync_to_async(Message.objects.get)(conversation=conversation, role="bot")
    customer = await database_sync_to_async(Message.objects.get)(conversation=conversation, role="customer")
    assert end_frame["text"] == "".join(tokens) == bot.text
    assert end_frame["message_id"] == bot.pk and end_frame["reply_to"] == customer.pk
    assert end_frame["role"] == "bot" and end_frame["status"] == "with_bot"
    assert end_frame["intent"] == "card_arrival" and end_frame["confidence"] == pytest.approx(0.93)
    assert end_frame["sources"] == [{"id": SOURCE.article_id, "title": SOURCE.title, "url": SOURCE.url, "score": 0.91, "n": 1}]
    ack = frames[kinds.index("ack")]
    assert ack == {"type": "ack", "client_message_id": "c-1", "message_id": customer.pk, "duplicate": False}


async def test_a_resent_client_id_is_stored_once_and_answered_once(application, conversation):
    frame = {"type": "message", "text": "Where is my card?", "client_message_id": "same-id"}
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to(frame)
        first_end = await next_frame(socket, "reply_end")
    # The customer reconnects and sends the unacknowledged message again.
    async with customer_socket(application, conversation) as (socket, history):
        assert [m["client_message_id"] for m in history["messages"] if m["role"] == "customer"] == ["same-id"]
        await socket.send_json_to(frame)
        ack = await socket.receive_json_from(timeout=TIMEOUT)
        stored_reply = await socket.receive_json_from(timeout=TIMEOUT)
        assert await socket.receive_nothing(timeout=0.2)
    assert ack["type"] == "ack" and ack["duplicate"] is True and ack["client_message_id"] == "same-id"
    assert stored_reply["type"] == "message" and stored_reply["message"]["id"] == first_end["message_id"]
    assert [role for role, _ in await _messages(conversation)] == ["customer", "bot"]


async def test_messages_on_one_socket_are_answered_in_order(application, conversation):
    async with customer_socket(application, conversation) as (socket, _):
        for n in (1, 2):
            await socket.send_json_to({"type": "message", "text": f"card question {n}", "client_message_id": f"q{n}"})
        ends = [await next_frame(socket, "reply_end"), await next_frame(socket, "reply_end")]
    assert [e["client_message_id"] for e in ends] == ["q1", "q2"]


async def test_the_handoff_button_hands_over_and_the_bot_stays_silent(application, conversation):
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to({"type": "handoff"})
        notice = await socket.receive_json_from(timeout=TIMEOUT)
        status = await socket.receive_json_from(timeout=TIMEOUT)
        assert notice["type"] == "message" and notice["message"]["role"] == "system"
        assert status == {"type": "status", "status": "waiting_for_agent", "event": "handed_off", "agent": None}

        await socket.send_json_to({"type": "message", "text": "Are you there?", "client_message_id": "w1"})
        ack = await socket.receive_json_from(timeout=TIMEOUT)
        assert ack["type"] == "ack" and ack["duplicate"] is False
        assert await socket.receive_nothing(timeout=0.3)  # no reply_start, no tokens: the bot is silent
    assert await _status(conversation) == "waiting_for_agent"
    assert [role for role, _ in await _messages(conversation)] == ["system", "customer"]


async def test_asking_for_a_person_or_going_out_of_scope_hands_off(application, conversation, other_conversation):
    for chat, text in ((conversation, "Can I talk to a human please"), (other_conversation, "What's the weather tomorrow?")):
        async with customer_socket(application, chat) as (socket, _):
            await socket.send_json_to({"type": "message", "text": text, "client_message_id": "h1"})
            frames = await frames_until(socket, "reply_end")
            # The status event comes through the group, so it may overtake the reply's last frames.
            if not any(f["type"] == "status" for f in frames):
                frames.append(await next_frame(socket, "status"))
        end = next(f for f in frames if f["type"] == "reply_end")
        status = next(f for f in frames if f["type"] == "status")
        assert end["role"] == "system" and end["status"] == "waiting_for_agent", text
        assert status["event"] == "handed_off"
        assert await _status(chat) == "waiting_for_agent"


async def test_closing_refuses_later_messages_and_the_customer_rates(application, conversation):
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to({"type": "close"})
        status = await socket.receive_json_from(timeout=TIMEOUT)
        assert status == {"type": "status", "status": "closed", "event": "closed", "agent": None}
        await socket.send_json_to({"type": "message", "text": "one more thing", "client_message_id": "late"})
        error = await socket.receive_json_from(timeout=TIMEOUT)
        assert error["type"] == "error" and error["code"] == "conversation_closed" and error["client_message_id"] == "late"

        await socket.send_json_to({"type": "rating", "rating": 4})
        assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "rated", "rating": 4}
        for bad in (9, "5", None):
            await socket.send_json_to({"type": "rating", "rating": bad})
            error = await socket.receive_json_from(timeout=TIMEOUT)
            assert error["type"] == "error" and error["code"] == "invalid_rating"
    assert (await database_sync_to_async(Conversation.objects.get)(pk=conversation.pk)).rating == 4


async def test_a_second_tab_sees_the_exchange_but_not_the_customers_own_typing(application, conversation):
    async with customer_socket(application, conversation) as (tab1, _), customer_socket(application, conversation) as (tab2, _):
        await tab1.send_json_to({"type": "typing", "typing": True})
        assert await tab2.receive_nothing(timeout=0.2)
        await tab1.send_json_to({"type": "message", "text": "card question", "client_message_id": "t1"})
        await next_frame(tab1, "reply_end")
        seen = [await tab2.receive_json_from(timeout=TIMEOUT) for _ in range(2)]
    assert [(f["type"], f["message"]["role"]) for f in seen] == [("message", "customer"), ("message", "bot")]
    assert seen[0]["message"]["client_message_id"] == "t1"


async def test_an_unacknowledged_message_in_flight_is_not_answered_twice(application, conversation):
    """The socket drops mid-reply; the resend on the new socket finds the first copy."""
    frame = {"type": "message", "text": "slow card question", "client_message_id": "flight"}
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to(frame)
        await next_frame(socket, "token")
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to(frame)
        frames = await frames_until(socket, "ack")
        assert frames[-1]["duplicate"] is True
        # The first reply, finished by its worker thread after the old socket left, reaches the new one.
        late = await next_frame(socket, "message", timeout=10)
        while late["message"]["role"] != "bot":
            late = await next_frame(socket, "message", timeout=10)
    assert [role for role, _ in await _messages(conversation)] == ["customer", "bot"]
