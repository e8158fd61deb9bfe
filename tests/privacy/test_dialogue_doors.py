"""Done-when tests of issue #19: the dialogue shapes over every door (REST with the admin reply path, the
customer socket with the agent console). Afterwards no table holds a raw value in plaintext (the vault's
encrypted originals aside), nor do the captured logs or any frame the console and the customer received,
and no PII-free turn was altered."""

from __future__ import annotations

import io
import json
import logging

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from conversations import roles
from conversations.logfilter import AnonymizingFilter
from conversations.models import Conversation, Message
from tests.factories import ConversationFactory, UserFactory
from tests.live.conftest import (  # noqa: F401 - fixtures used by the socket test
    agent_socket,
    app_data_restored,
    application,
    customer_socket,
    live_db,
    live_settings,
    reply_workers,
)
from tests.privacy.dialogues import AGENT_FIRST, AGENT_LAST, AGENT_USERNAME, DIALOGUE, PII_FREE, leaked
from tests.privacy.test_no_raw_pii_anywhere import _every_cell


@pytest.fixture
def captured_logs():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.addFilter(AnonymizingFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def _sam():
    return UserFactory(username=AGENT_USERNAME, first_name=AGENT_FIRST, last_name=AGENT_LAST, is_staff=True, groups=[roles.AGENTS])


def _stored_as_typed(conversation: Conversation) -> None:
    texts = list(Message.objects.filter(conversation=conversation).values_list("text", flat=True))
    for turn in PII_FREE:
        assert turn in texts, f"PII-free turn altered: {turn!r} not among {texts}"


@pytest.mark.django_db
def test_dialogue_over_rest_and_the_admin_reply_path(anon_api, captured_logs, settings):
    settings.PII_ANONYMIZE = True
    created = anon_api.post("/api/v1/conversations/", {}, format="json").json()
    anon_api.credentials(HTTP_AUTHORIZATION=f"Conversation {created['access_token']}")
    conversation = Conversation.objects.get(public_id=created["id"])
    staff = Client()
    staff.force_login(_sam())
    reply_url = reverse("admin:conversations_agent_action", args=[conversation.pk, "reply"])
    for i, (role, text) in enumerate(DIALOGUE):
        if role == "agent":
            assert staff.post(reply_url, {"text": text}).status_code in (200, 302)
        else:
            response = anon_api.post(f"/api/v1/conversations/{created['id']}/messages/", {"text": text, "client_message_id": f"d{i}"}, format="json")
            assert response.status_code in (200, 201), response.content
    transcript = anon_api.get(f"/api/v1/conversations/{created['id']}/messages/").json()
    texts = [m["text"] for m in transcript]
    # The bare answers became placeholders, and the agent's reuse of them the same placeholders.
    assert "<PERSON_1>" in texts and "<ORDER_ID_1>" in texts and any(t.endswith("<USERNAME_1>") for t in texts)
    assert "thanks so much! What is your membership level, <PERSON_1>?" in texts
    assert any(t.startswith("I've noted order <ORDER_ID_1> for <PERSON_1>, Okafor here") for t in texts), texts
    page = staff.get(reverse("admin:conversations_conversation_change", args=[conversation.pk])).content.decode()
    for where, text in (("tables", _every_cell()), ("logs", captured_logs.getvalue()), ("API", repr(transcript)), ("admin page", page)):
        assert not leaked(text), f"raw {leaked(text)} in {where}"
    _stored_as_typed(conversation)


async def _drain(socket, into: list) -> None:
    while not await socket.receive_nothing(timeout=0.3):
        into.append(await socket.receive_output())


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, available_apps=["django.contrib.auth", "django.contrib.contenttypes", "conversations"])
@pytest.mark.usefixtures("app_data_restored")
async def test_dialogue_over_the_customer_socket_and_the_agent_console(application, captured_logs, settings):  # noqa: F811
    settings.PII_ANONYMIZE = True
    conversation = await database_sync_to_async(ConversationFactory)()
    cookie = await database_sync_to_async(_session_cookie)()
    customer_frames: list = []
    console_frames: list = []
    async with agent_socket(application, cookie) as (console, _), customer_socket(application, conversation) as (customer, _):
        await console.send_json_to({"type": "open", "conversation": str(conversation.public_id)})
        for i, (role, text) in enumerate(DIALOGUE):
            if role == "agent":
                await console.send_json_to({"type": "reply", "conversation": str(conversation.public_id), "text": text})
            else:
                await customer.send_json_to({"type": "message", "text": text, "client_message_id": f"s{i}"})
            await _drain(customer, customer_frames)
            await _drain(console, console_frames)
    agent_texts = [f["message"]["text"] for f in map(_json, customer_frames) if f.get("type") == "agent_message"]
    assert "thanks so much! What is your membership level, <PERSON_1>?" in agent_texts, agent_texts
    everything = await database_sync_to_async(_every_cell)()
    for where, text in (("tables", everything), ("logs", captured_logs.getvalue()),
                        ("customer frames", repr(customer_frames)), ("console frames", repr(console_frames))):
        assert not leaked(text), f"raw {leaked(text)} in {where}"
    await database_sync_to_async(_stored_as_typed)(conversation)


def _session_cookie() -> str:
    client = Client()
    client.force_login(_sam())
    return f"sessionid={client.cookies['sessionid'].value}"


def _json(output: dict) -> dict:
    return json.loads(output.get("text") or "{}")
