"""Run a blocking reply in a worker thread and hand its tokens to the event loop as they come.

The pipeline is synchronous (models, database). It runs in a bounded pool of its own, so one
slow reply never stalls the loop or the other sockets; each token crosses back to the loop
through call_soon_threadsafe into a queue that the socket drains while the thread still works.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from channels.db import database_sync_to_async
from django.conf import settings

logger = logging.getLogger(__name__)
T = TypeVar("T")
_DONE = object()
_executor: ThreadPoolExecutor | None = None
_in_flight: set[asyncio.Future] = set()  # replies whose thread is still working, for a graceful shutdown


def reply_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=settings.CHAT_REPLY_WORKERS, thread_name_prefix="chat-reply")
    return _executor


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("A reply finished after its socket left and failed", exc_info=task.exception())


async def stream_from_thread(work: Callable[..., T], on_chunk: Callable[[str], Awaitable[None]]) -> T:
    """Run ``work(on_token=...)`` in a reply thread, awaiting ``on_chunk`` for each token it emits."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[object] = asyncio.Queue()

    def push(item: object) -> None:
        try:
            loop.call_soon_threadsafe(chunks.put_nowait, item)
        except RuntimeError:
            pass  # the loop is gone with its socket; the reply is still stored and published

    def run() -> T:
        try:
            return work(on_token=push)
        finally:
            push(_DONE)

    # thread_sensitive=False: replies run side by side, each thread with its own DB connection.
    task = asyncio.ensure_future(database_sync_to_async(run, thread_sensitive=False, executor=reply_executor())())
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)
    try:
        while (item := await chunks.get()) is not _DONE:
            await on_chunk(item)  # type: ignore[arg-type]
    except BaseException:  # cancelled, or the socket failed: the thread finishes on its own
        task.add_done_callback(_log_failure)
        raise
    return await task


async def replies_finished(timeout: float) -> bool:
    """Wait until every reply thread has stored and published its reply; False if some are still working."""
    if not _in_flight:
        return True
    _, pending = await asyncio.wait(list(_in_flight), timeout=timeout)
    return not pending
