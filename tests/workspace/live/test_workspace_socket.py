"""The workspace over the console socket, with a customer socket listening: private notes never reach the
customer's frames (live or history), tags and transfer move the conversation between the console's rows,
and a second agent replying to a transferred conversation gets a clear refusal frame."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from conversations import roles
from conversations.models import AgentNote, Conversation
from tests.factories import UserFactory
from tests.live.conftest import TIMEOUT, agent_socket, customer_socket, live_db, next_frame

pytestmark = [pytest.mark.asyncio, *live_db]


def _cookie(username: str, first_name: str) -> str:
    client = Client()
    client.force_login(UserFactory(username=username, first_name=first_name, groups=[roles.AGENTS]))
    return f"sessionid={client.cookies['sessionid'].value}"


async def _drain(communicator) -> list[dict]:
    """Every frame waiting for the socket (receive_nothing never cancels the application, a receive timeout does)."""
    frames = []
    while not await communicator.receive_nothing(timeout=0.5):
        frames.append(await communicator.receive_json_from(timeout=TIMEOUT))
    return frames


async def test_notes_tags_and_transfer_over_the_console(application, agent_cookie, agent, conversation):
    bob_cookie = await database_sync_to_async(_cookie)("bob.agent", "Bob")
    public_id = str(conversation.public_id)
    async with agent_socket(application, agent_cookie) as (alice, _), agent_socket(application, bob_cookie) as (bob, _), \
            customer_socket(application, conversation) as (customer, _):
        await alice.send_json_to({"type": "workspace"})
        workspace = await next_frame(alice, "workspace")
        assert workspace["me"] == "alice.agent" and {"bob.agent", "alice.agent"} <= {a["username"] for a in workspace["agents"]}
        await customer.send_json_to({"type": "handoff"})
        await next_frame(customer, "status")

        await alice.send_json_to({"type": "note", "conversation": public_id, "text": "Customer sounds upset: be gentle"})
        note = await next_frame(bob, "note")  # every console hears it
        assert note["conversation"] == public_id and note["note"]["text"] == "Customer sounds upset: be gentle"
        await bob.send_json_to({"type": "open", "conversation": public_id})
        transcript = await next_frame(bob, "transcript")
        assert [n["text"] for n in transcript["notes"]] == ["Customer sounds upset: be gentle"]
        await alice.send_json_to({"type": "tag_add", "conversation": public_id, "tag": "complaint"})
        row = await next_frame(bob, "conversation")
        while row["conversation"]["tags"] != ["complaint"]:
            row = await next_frame(bob, "conversation")

        await alice.send_json_to({"type": "join", "conversation": public_id})
        await alice.send_json_to({"type": "transfer", "conversation": public_id, "to_agent": "bob.agent"})
        row = await next_frame(alice, "conversation")
        while row["conversation"]["agent_username"] != "bob.agent":
            row = await next_frame(alice, "conversation")
        await alice.send_json_to({"type": "reply", "conversation": public_id, "text": "Alice again"})
        refusal = await next_frame(alice, "error")
        assert refusal["code"] == "transferred_to_another_agent" and "Bob" in refusal["message"]

        await bob.send_json_to({"type": "transfer", "conversation": public_id, "to_agent": "nobody"})
        assert (await next_frame(bob, "error"))["code"] == "unknown_agent"
        await alice.send_json_to({"type": "tag_add", "conversation": public_id, "tag": "<b>x</b>"})
        assert (await next_frame(alice, "error"))["code"] == "invalid_tag"

        heard = await _drain(customer)
    assert all("upset" not in str(frame) and "complaint" not in str(frame) for frame in heard)
    assert not [f for f in heard if f.get("type") == "message" and f["message"]["text"] == "Alice again"]
    assert await database_sync_to_async(AgentNote.objects.count)() == 1
    stored = await database_sync_to_async(Conversation.objects.select_related("assigned_agent").get)(pk=conversation.pk)
    assert stored.assigned_agent.username == "bob.agent"
    # A customer socket opened afterwards reads the history: no note there either.
    async with customer_socket(application, conversation) as (_, history):
        assert "upset" not in str(history) and "complaint" not in str(history)


async def test_availability_is_set_from_the_console(application, agent_cookie, agent):
    async with agent_socket(application, agent_cookie) as (alice, _):
        await alice.send_json_to({"type": "workspace"})
        assert (await next_frame(alice, "workspace"))["availability"] == "away"
        await alice.send_json_to({"type": "availability", "availability": "online"})
        frame = await next_frame(alice, "availability")
        assert frame["mine"] and frame["availability"] == "online" and frame["agents_online"] == 1
        await alice.send_json_to({"type": "availability", "availability": "asleep"})
        assert (await next_frame(alice, "error"))["code"] == "invalid_availability"
    profile = await database_sync_to_async(lambda: type(agent).objects.get(pk=agent.pk).agent_profile)()
    assert profile.availability == "online"
