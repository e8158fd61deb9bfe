"""The copilot and the unread counters over the agent socket: draft.token frames then draft.done, cancel,
the draft's outcome from the reply frame, and unread counts moved by messages and by reading."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async

from conversations import services
from conversations.models import DraftSuggestion
from tests.live.conftest import agent_socket, live_db, next_frame

pytestmark = [pytest.mark.asyncio, *live_db]


async def test_a_draft_streams_in_and_the_reply_frame_settles_it(application, agent_cookie, bot, taken):
    public_id = str(taken.public_id)
    async with agent_socket(application, agent_cookie) as (console, _):
        await console.send_json_to({"type": "draft", "conversation": public_id})
        first = await next_frame(console, "draft.token")
        done = await next_frame(console, "draft.done")
        assert first["conversation"] == public_id and done["draft"]["text"].startswith(first["text"])
        assert done["draft"]["text"] == "Your card arrives in 3-5 working days [1]." and done["draft"]["sources"][0]["title"] == "Card delivery"
        await console.send_json_to({"type": "reply", "conversation": public_id, "text": done["draft"]["text"] + " Sorry for the wait.",
                                    "draft": done["draft"]["id"]})
        await next_frame(console, "conversation")
    draft = await database_sync_to_async(DraftSuggestion.objects.get)(pk=done["draft"]["id"])
    assert draft.outcome == DraftSuggestion.Outcome.EDITED


async def test_bad_draft_frames_are_answered_and_nothing_is_stored(application, agent_cookie, bot, taken):
    async with agent_socket(application, agent_cookie) as (console, _):
        await console.send_json_to({"type": "draft", "conversation": "not-a-uuid"})
        assert (await next_frame(console, "error"))["code"] == "not_found"
        await console.send_json_to({"type": "draft_discard", "conversation": str(taken.public_id), "draft": "five"})
        assert (await next_frame(console, "error"))["code"] == "missing_field"
        await console.send_json_to({"type": "reply", "conversation": str(taken.public_id), "text": "Hi", "draft": -1})
        assert (await next_frame(console, "error"))["code"] == "missing_field"
    assert not await database_sync_to_async(DraftSuggestion.objects.exists)()


async def test_unread_counts_rise_with_customer_messages_and_fall_when_opened(application, agent_cookie, bot, taken):
    public_id = str(taken.public_id)
    async with agent_socket(application, agent_cookie) as (console, queue):
        assert queue["unread"][public_id] == {"unread": 2, "mine": True, "waiting": False}
        await database_sync_to_async(services.customer_message_receive)(conversation=taken, text="Are you still there?")
        changed = await next_frame(console, "conversation")
        assert changed["unread"] == {public_id: {"unread": 3, "mine": True, "waiting": False}}
        await console.send_json_to({"type": "open", "conversation": public_id})
        assert (await next_frame(console, "transcript"))["unread"][public_id]["unread"] == 0
        await database_sync_to_async(services.customer_message_receive)(conversation=taken, text="Hello?")
        assert (await next_frame(console, "conversation"))["unread"][public_id]["unread"] == 1
        last = await database_sync_to_async(lambda: taken.messages.order_by("-id").first().pk)()
        await console.send_json_to({"type": "read", "conversation": public_id, "message": last})
        assert (await next_frame(console, "unread"))["conversations"][public_id]["unread"] == 0
        await console.send_json_to({"type": "read", "conversation": public_id, "message": "last"})
        assert (await next_frame(console, "error"))["code"] == "missing_field"


class SlowChunks:
    """Streams its chunks with a pause before each, like a model generating on a busy CPU."""

    version = 2

    def __init__(self, chunks: list[str], pause_s: float) -> None:
        self.chunks, self.pause_s = chunks, pause_s

    def generate(self, **inputs: object) -> Iterator[str]:
        import time

        for chunk in self.chunks:
            time.sleep(self.pause_s)
            yield chunk


async def test_a_draft_streams_off_the_loop_and_can_be_cancelled(application, agent_cookie, bot, taken):
    bot.pipeline.responder = SlowChunks(["One ", "two ", "three ", "four ", "five ", "six."], pause_s=0.3)
    public_id = str(taken.public_id)
    async with agent_socket(application, agent_cookie) as (console, _):
        await console.send_json_to({"type": "draft", "conversation": public_id})
        await next_frame(console, "draft.token")
        # The socket still answers other frames while the draft is written.
        await console.send_json_to({"type": "open", "conversation": public_id})
        assert (await next_frame(console, "transcript"))["conversation"]["id"] == public_id
        await console.send_json_to({"type": "draft_cancel", "conversation": public_id})
        done = await next_frame(console, "draft.done", timeout=10)
    assert done["reason"] == "cancelled" and done["draft"]["outcome"] == "discarded"
    assert done["draft"]["text"] and not done["draft"]["text"].endswith("six.")
    draft = await database_sync_to_async(DraftSuggestion.objects.get)(pk=done["draft"]["id"])
    assert draft.outcome == DraftSuggestion.Outcome.DISCARDED
