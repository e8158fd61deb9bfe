"""Replies are generated off the event loop: a slow reply for one customer does not stall another."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.live.conftest import customer_socket, live_db

pytestmark = [pytest.mark.asyncio, *live_db]


async def _timed_reply(socket, text: str, client_id: str) -> dict[str, float]:
    started = time.monotonic()
    await socket.send_json_to({"type": "message", "text": text, "client_message_id": client_id})
    stamps: dict[str, float] = {}  # first arrival of each frame type, seconds after sending
    while "reply_end" not in stamps:
        frame = await socket.receive_json_from(timeout=10)
        stamps.setdefault(frame["type"], time.monotonic() - started)
    return stamps


async def test_a_slow_reply_does_not_stall_another_conversation(application, conversation, other_conversation):
    async with customer_socket(application, conversation) as (slow, _), customer_socket(application, other_conversation) as (fast, _):
        slow_task = asyncio.ensure_future(_timed_reply(slow, "slow card question", "s1"))
        await asyncio.sleep(0.05)  # the slow reply is under way first
        fast_started = time.monotonic()
        fast_stamps = await _timed_reply(fast, "quick card question", "f1")
        fast_done = time.monotonic()
        slow_stamps = await slow_task
        slow_done = time.monotonic()
    # The fast reply finished while the slow one was still streaming.
    assert fast_done < slow_done
    assert fast_stamps["reply_end"] < (slow_done - fast_started) / 2
    assert slow_stamps["token"] < slow_stamps["reply_end"]
