"""Bad input on the customer socket is answered with an error frame; the socket keeps working."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from conversations.models import Message
from tests.live.conftest import ORIGIN, TIMEOUT, customer_communicator, customer_socket, live_db, next_frame

pytestmark = [pytest.mark.asyncio, *live_db]

BAD_FRAMES = [
    ("not json at all", "invalid_json"),
    ("[1, 2, 3]", "invalid_frame"),
    ('{"text": "no type"}', "invalid_frame"),
    ('{"type": "dance"}', "unknown_type"),
    ('{"type": "message"}', "invalid_message"),
    ('{"type": "message", "text": "   "}', "invalid_message"),
    ('{"type": "message", "text": 42}', "invalid_message"),
    ('{"type": "message", "text": "hi", "client_message_id": 7}', "missing_field"),
    ('{"type": "typing"}', "missing_field"),
    ('{"type": "typing", "typing": "yes"}', "missing_field"),
    ('{"type": "rating"}', "invalid_rating"),
    ('{"type": "auth", "token": "again"}', "already_authenticated"),
]


async def test_every_malformed_frame_gets_an_error_and_the_socket_still_answers(application, conversation, settings):
    settings.CHAT_SOCKET_RATE_LIMIT = 100
    async with customer_socket(application, conversation) as (socket, _):
        for raw, code in BAD_FRAMES:
            await socket.send_to(text_data=raw)
            error = await socket.receive_json_from(timeout=TIMEOUT)
            assert error["type"] == "error" and error["code"] == code, (raw, error)
            assert error["message"]
        await socket.send_to(bytes_data=b"\x00\x01binary")
        assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "binary_not_supported"
        await socket.send_to(text_data=json.dumps({"type": "message", "text": "x" * 20_000}))
        assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "frame_too_large"

        await socket.send_json_to({"type": "message", "text": "card question", "client_message_id": "ok"})
        end = await next_frame(socket, "reply_end")
    assert end["role"] == "bot"


async def test_a_message_over_the_size_limit_is_refused_with_its_client_id(application, conversation, settings):
    settings.CHAT_MAX_MESSAGE_CHARS = 50
    async with customer_socket(application, conversation) as (socket, _):
        await socket.send_json_to({"type": "message", "text": "y" * 51, "client_message_id": "long"})
        error = await socket.receive_json_from(timeout=TIMEOUT)
    assert error["code"] == "message_too_long" and error["client_message_id"] == "long"
    assert "50" in error["message"]
    assert not await database_sync_to_async(Message.objects.filter(conversation=conversation).exists)()


async def test_the_per_connection_rate_limit_answers_with_an_error(application, conversation, settings):
    settings.CHAT_SOCKET_RATE_LIMIT = 3
    settings.CHAT_SOCKET_RATE_WINDOW_S = 60
    async with customer_socket(application, conversation) as (socket, _):  # the auth frame is the first of three
        for _ in range(2):
            await socket.send_json_to({"type": "typing", "typing": True})
        assert await socket.receive_nothing(timeout=0.2)
        await socket.send_json_to({"type": "message", "text": "too fast", "client_message_id": "fast"})
        error = await socket.receive_json_from(timeout=TIMEOUT)
    assert error["type"] == "error" and error["code"] == "rate_limited"
    assert not await database_sync_to_async(Message.objects.filter(conversation=conversation).exists)()


async def test_frames_before_auth_are_refused_but_auth_still_works(application, conversation):
    socket = customer_communicator(application, conversation.public_id)
    try:
        assert (await socket.connect(timeout=TIMEOUT))[0]
        await socket.send_json_to({"type": "message", "text": "hello", "client_message_id": "early"})
        assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "not_authenticated"
        await socket.send_json_to({"type": "auth", "token": conversation.access_token})
        assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "history"
    finally:
        await socket.disconnect()


async def test_a_socket_for_another_customers_conversation_is_refused(application, conversation, other_conversation):
    cases = {
        "another customer's token": (conversation.public_id, other_conversation.access_token),
        "a wrong token": (conversation.public_id, "x" * 43),
        "no token": (conversation.public_id, None),
        "an unknown conversation": ("8d7f1c0e-0000-4000-8000-000000000000", conversation.access_token),
    }
    for case, (public_id, token) in cases.items():
        socket = customer_communicator(application, public_id)
        try:
            assert (await socket.connect(timeout=TIMEOUT))[0]
            await socket.send_json_to({"type": "auth", "token": token})
            error = await socket.receive_json_from(timeout=TIMEOUT)
            closed = await socket.receive_output(timeout=TIMEOUT)
        finally:
            await socket.disconnect()
        assert error["type"] == "error" and error["code"] == "forbidden", case
        assert closed == {"type": "websocket.close", "code": 4403}, case


async def test_a_silent_socket_is_closed_after_the_auth_timeout(application, conversation, settings):
    settings.CHAT_AUTH_TIMEOUT_S = 0.1
    socket = customer_communicator(application, conversation.public_id)
    try:
        assert (await socket.connect(timeout=TIMEOUT))[0]
        error = await socket.receive_json_from(timeout=TIMEOUT)
        closed = await socket.receive_output(timeout=TIMEOUT)
    finally:
        await socket.disconnect()
    assert error["code"] == "auth_timeout"
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_a_path_that_is_not_a_conversation_id_is_refused(application):
    for path in ("/ws/chat/not-a-uuid/", "/ws/nowhere/"):
        socket = WebsocketCommunicator(application, path, headers=[(b"origin", ORIGIN.encode())])
        try:
            assert await socket.connect(timeout=TIMEOUT) == (False, 1000)
        finally:
            await socket.disconnect()


async def test_a_server_fault_is_answered_with_an_error_and_the_socket_survives(application, conversation, monkeypatch, caplog):
    from conversations import services

    def broken(**kwargs: object) -> None:
        raise RuntimeError("database on fire")

    async with customer_socket(application, conversation) as (socket, _):
        with monkeypatch.context() as patched:
            patched.setattr(services, "conversation_rate", broken)
            patched.setattr(services, "customer_message_receive", broken)
            await socket.send_json_to({"type": "rating", "rating": 5})
            assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "server_error"
            await socket.send_json_to({"type": "message", "text": "card question", "client_message_id": "boom"})
            error = await socket.receive_json_from(timeout=TIMEOUT)
            assert error["code"] == "server_error" and error["client_message_id"] == "boom"
        await socket.send_json_to({"type": "message", "text": "card question", "client_message_id": "boom"})
        assert (await next_frame(socket, "reply_end"))["role"] == "bot"
    assert "database on fire" in caplog.text
