"""One door per write: whichever way a change comes in (customer socket, agent console socket, admin,
REST API, management command), every socket open on the conversation hears it exactly once, as the
socket paths always did. Two customer sockets and an agent console with the conversation open watch
every write made through every door it has.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from conversations.models import Conversation
from tests.factories import ConversationFactory, UserFactory
from tests.live.conftest import TIMEOUT, agent_socket, customer_socket, live_db

pytestmark = [pytest.mark.asyncio, *live_db]

Status = Conversation.Status
QUIET_S = 0.5  # no frame for this long: everything the write caused has arrived

# What each socket hears of one write, as (frame type, detail) signatures. "door" is the customer socket
# the write came through, when it came through one; it answers its own frames, as it always did.
STREAMED = Counter({("ack", ""): 1, ("reply_end", "bot"): 1})
TWO_MESSAGES = Counter({("message", "customer"): 1, ("message", "bot"): 1})
NOTICE_AND = {change: Counter({("message", "system"): 1, ("status", change): 1}) for change in
              ("handed_off", "agent_joined", "returned_to_bot")}
CONSOLE_NOTICE_AND = {change: expected + Counter({("conversation", ""): 1}) for change, expected in NOTICE_AND.items()}
CLOSED = Counter({("status", "closed"): 1})
RATED = Counter({("rated", "4"): 1})
REVOKED = Counter({("error", "token_revoked"): 1, ("close", "4403"): 1})
ROW = Counter({("conversation", ""): 1})


@dataclass(frozen=True)
class Write:
    start: str  # the conversation's status before the write
    door_socket: Counter  # what the customer socket the write came through hears (unused for other doors)
    customer: Counter  # what every other customer socket hears
    console: Counter  # what the agent console with the conversation open hears


WRITES = {
    "customer message": Write(Status.WITH_BOT, STREAMED, TWO_MESSAGES, TWO_MESSAGES),
    "hand-off request": Write(Status.WITH_BOT, NOTICE_AND["handed_off"], NOTICE_AND["handed_off"], CONSOLE_NOTICE_AND["handed_off"]),
    "agent join": Write(Status.WAITING_FOR_AGENT, Counter(), NOTICE_AND["agent_joined"], CONSOLE_NOTICE_AND["agent_joined"]),
    "agent reply": Write(Status.WITH_AGENT, Counter(), Counter({("agent_message", "agent"): 1}),
                         Counter({("message", "agent"): 1, ("conversation", ""): 1})),
    "return to bot": Write(Status.WITH_AGENT, Counter(), NOTICE_AND["returned_to_bot"], CONSOLE_NOTICE_AND["returned_to_bot"]),
    "close": Write(Status.WAITING_FOR_AGENT, CLOSED, CLOSED, CLOSED + ROW),
    "rate": Write(Status.CLOSED, RATED, RATED, ROW),
    "token revocation": Write(Status.WITH_BOT, REVOKED, REVOKED, ROW),
}


@dataclass
class Scene:
    conversation: Conversation
    door: WebsocketCommunicator  # the first customer socket
    console: WebsocketCommunicator
    agent: object
    staff: object


def _admin(user: object, path: str, data: dict) -> int:
    client = Client()
    client.force_login(user)
    return client.post(path, data).status_code


def _rest(conversation: Conversation, suffix: str, data: dict | None = None) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Conversation {conversation.access_token}")
    return client.post(f"/api/v1/conversations/{conversation.public_id}/{suffix}", data or {}, format="json").status_code


def _agent_action(action: str, **extra: str) -> Callable[[Scene], Awaitable[None]]:
    async def via_console(scene: Scene) -> None:
        await scene.console.send_json_to({"type": action, "conversation": str(scene.conversation.public_id), **extra})
    return via_console


def _admin_action(action: str, data: dict | None = None) -> Callable[[Scene], Awaitable[None]]:
    async def via_admin(scene: Scene) -> None:
        path = f"/admin/conversations/conversation/{scene.conversation.pk}/agent/{action}/"
        assert await database_sync_to_async(_admin)(scene.agent, path, data or {}) == 302
    return via_admin


async def _admin_revoke(scene: Scene) -> None:
    data = {"action": "revoke_access_tokens", "_selected_action": [scene.conversation.pk]}
    assert await database_sync_to_async(_admin)(scene.staff, "/admin/conversations/conversation/", data) == 302


def _rest_post(suffix: str, data: dict | None = None, expected: int = 200) -> Callable[[Scene], Awaitable[None]]:
    async def via_rest(scene: Scene) -> None:
        assert await database_sync_to_async(_rest)(scene.conversation, suffix, data) == expected
    return via_rest


def _command(name: str) -> Callable[[Scene], Awaitable[None]]:
    async def via_command(scene: Scene) -> None:
        await database_sync_to_async(call_command)(name, str(scene.conversation.public_id))
    return via_command


def _customer_frame(frame: dict) -> Callable[[Scene], Awaitable[None]]:
    async def via_socket(scene: Scene) -> None:
        await scene.door.send_json_to(frame)
    return via_socket


DOORS: dict[tuple[str, str], Callable[[Scene], Awaitable[None]]] = {
    ("customer message", "socket"): _customer_frame({"type": "message", "text": "card question", "client_message_id": "c1"}),
    ("customer message", "REST"): _rest_post("messages/", {"text": "card question"}, expected=201),
    ("hand-off request", "socket"): _customer_frame({"type": "handoff"}),
    ("agent join", "socket"): _agent_action("join"),
    ("agent join", "admin"): _admin_action("join"),
    ("agent reply", "socket"): _agent_action("reply", text="Your card is on its way."),
    ("agent reply", "admin"): _admin_action("reply", {"text": "Your card is on its way."}),
    ("return to bot", "socket"): _agent_action("return_to_bot"),
    ("return to bot", "admin"): _admin_action("return"),
    ("close", "socket"): _customer_frame({"type": "close"}),
    ("close", "console socket"): _agent_action("close"),
    ("close", "admin"): _admin_action("close"),
    ("close", "REST"): _rest_post("close/"),
    ("close", "management command"): _command("close_conversations"),
    ("rate", "socket"): _customer_frame({"type": "rating", "rating": 4}),
    ("rate", "REST"): _rest_post("rate/", {"rating": 4}),
    ("token revocation", "admin"): _admin_revoke,
    ("token revocation", "management command"): _command("revoke_conversation_tokens"),
}


def _signature(frame: dict) -> tuple[str, str]:
    kind = frame["type"]
    if kind in ("message", "agent_message"):
        return kind, frame["message"]["role"]
    if kind == "reply_end":
        return kind, frame["role"]
    if kind == "status":
        return kind, frame["event"]
    if kind == "rated":
        return kind, str(frame["rating"])
    if kind == "error":
        return kind, frame["code"]
    return kind, ""


async def _heard(socket: WebsocketCommunicator) -> Counter:
    """Everything a socket receives until it has been quiet for QUIET_S (stream chunks left out)."""
    heard: Counter = Counter()
    while not await socket.receive_nothing(timeout=QUIET_S):
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            heard[("close", str(output.get("code")))] += 1
            break
        frame = json.loads(output["text"])
        if frame["type"] not in ("reply_start", "token", "typing"):
            heard[_signature(frame)] += 1
    return heard


@pytest.mark.parametrize(("write", "door"), list(DOORS), ids=[f"{w} via {d}" for w, d in DOORS])
async def test_every_write_through_every_door_reaches_every_socket_once(application, agent, agent_cookie, write, door):
    spec = WRITES[write]
    staff = await database_sync_to_async(UserFactory)(username="sam.staff", first_name="Sam", is_staff=True, groups=["Staff"])
    assigned = agent if spec.start == Status.WITH_AGENT else None
    conversation = await database_sync_to_async(ConversationFactory)(status=spec.start, assigned_agent=assigned)
    async with customer_socket(application, conversation) as (first, _), customer_socket(application, conversation) as (second, _):
        async with agent_socket(application, agent_cookie) as (console, _):
            await console.send_json_to({"type": "open", "conversation": str(conversation.public_id)})
            assert (await console.receive_json_from(timeout=TIMEOUT))["type"] == "transcript"
            await DOORS[write, door](Scene(conversation, first, console, agent, staff))
            heard = {"door": await _heard(first), "customer": await _heard(second), "console": await _heard(console)}
    through_customer_socket = door == "socket" and write not in ("agent join", "agent reply", "return to bot")
    expected = {"door": spec.door_socket if through_customer_socket else spec.customer, "customer": spec.customer,
                "console": spec.console}
    assert heard == expected
