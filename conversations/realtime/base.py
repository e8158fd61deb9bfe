"""What both sockets share: frame parsing, the rate limit, error frames and background tasks."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Mapping

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from conversations.errors import ChatError
from conversations.realtime.frames import frame_parse
from conversations.realtime.ratelimit import SlidingWindow

logger = logging.getLogger(__name__)


class FrameConsumer(AsyncWebsocketConsumer):
    """Dispatches each JSON frame to ``on_<type>``; every failure is answered, never dropped."""

    frame_types: frozenset[str] = frozenset()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = SlidingWindow(limit=settings.CHAT_SOCKET_RATE_LIMIT, window_s=settings.CHAT_SOCKET_RATE_WINDOW_S)
        self.tasks: set[asyncio.Task] = set()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.limiter.allow():
            await self.send_error("rate_limited", "Too many frames; please slow down.")
            return
        try:
            frame = frame_parse(text_data, bytes_data, types=self.frame_types)
            await getattr(self, f"on_{frame['type']}")(frame)
        except ChatError as exc:
            await self.send_error(exc.code, exc.message)
        except Exception:
            logger.exception("Frame handling failed on %s", self.scope.get("path"))
            await self.send_error("server_error", "Something went wrong on our side; please try again.")

    async def send_frame(self, frame: Mapping[str, object]) -> None:
        await self.send(text_data=json.dumps(frame))

    async def send_error(self, code: str, message: str, **extra: object) -> None:
        await self.send_frame({"type": "error", "code": code, "message": message, **extra})

    def spawn(self, work: Coroutine[object, object, None]) -> None:
        """Run work beside the receive loop, so a long reply does not hold up the next frames."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def disconnect(self, code: int) -> None:
        for task in list(self.tasks):
            task.cancel()
