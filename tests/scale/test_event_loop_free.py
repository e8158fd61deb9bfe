"""CPU-heavy steps (intent, retrieval, answers, PII) never run on a web worker's event loop.

Three customers' replies each burn about 1.4 s of CPU in Python while a ticker on the same loop
measures how late its 10 ms sleeps wake. Replies run in the reply threads (conversations/realtime/
threads.py), so the loop only waits for the GIL's switch interval; a step moved onto the loop would
stall every socket of the process for its whole duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from tests.factories import ConversationFactory
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
from tests.scale.cpu_pipeline import BURN_S, PROVIDER

pytestmark = [pytest.mark.asyncio, *live_db]
MAX_LAG_S = BURN_S  # one step on the loop would stall it at least this long


async def test_replies_burning_cpu_leave_the_event_loop_free(application, conversation, settings):  # noqa: F811 - fixtures
    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        # Three reply threads store at once; SQLite's shared in-memory test database answers "table is locked".
        pytest.skip("three replies written at once need a server database (CI runs this on PostgreSQL)")
    settings.CHAT_PIPELINE_PROVIDER = PROVIDER
    from channels.db import database_sync_to_async

    others = [await database_sync_to_async(ConversationFactory)() for _ in range(2)]
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)

    async def ask(socket) -> list[dict]:
        await socket.send_json_to({"type": "message", "text": "When will my card arrive?", "client_message_id": "c1"})
        return await frames_until(socket, "reply_end", timeout=60)

    async with contextlib.AsyncExitStack() as sockets:  # all connected before any reply burns CPU
        opened = [(await sockets.enter_async_context(customer_socket(application, c)))[0] for c in [conversation, *others]]
        tick = asyncio.ensure_future(ticker())
        started = time.perf_counter()
        frames = await asyncio.gather(*(ask(s) for s in opened))
        busy = time.perf_counter() - started
        done.set()
        await tick
    assert all(f[-1]["type"] == "reply_end" and f[-1]["text"].endswith("[1].") for f in frames)
    assert busy > 2 * BURN_S  # the replies did burn CPU while the ticker ran
    assert max(lags) < MAX_LAG_S, f"event loop stalled {max(lags):.3f} s"
