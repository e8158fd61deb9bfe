"""What both sockets share: frame parsing, the rate limit, error frames and background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine, Mapping

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import InterfaceError, OperationalError

from conversations.errors import ChatError
from conversations.realtime import shutdown
from conversations.realtime.frames import frame_parse
from conversations.realtime.ratelimit import SlidingWindow

logger = logging.getLogger(__name__)
DATABASE_DOWN = (OperationalError, InterfaceError)
UNAVAILABLE_MESSAGE = "We can't take messages right now; yours will be sent again automatically."


class FrameConsumer(AsyncWebsocketConsumer):
    """Dispatches each JSON frame to ``on_<type>``; every failure is answered, never dropped."""

    frame_types: frozenset[str] = frozenset()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = SlidingWindow(limit=settings.CHAT_SOCKET_RATE_LIMIT, window_s=settings.CHAT_SOCKET_RATE_WINDOW_S)
        self.tasks: set[asyncio.Task] = set()
        self.finishing: set[asyncio.Task] = set()  # replies a graceful shutdown waits for
        self.accepted = self.gone = False
        self._drain: asyncio.Future | None = None
        self.closed_by_client = asyncio.Event()

    async def __call__(self, scope: object, receive: object, send: object) -> None:  # type: ignore[override]
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:  # daphne cancels every socket's application when it stops
            if shutdown.in_progress() and self.accepted and not self.gone:
                await asyncio.shield(self.drain())
            raise

    def drain(self) -> asyncio.Future:
        """The server is stopping: let replies in flight finish (bounded), then tell the client to reconnect."""
        if self._drain is None:
            self._drain = asyncio.ensure_future(self._drain_once())
        return self._drain

    async def _drain_once(self) -> None:
        if self.finishing:
            await asyncio.wait(list(self.finishing), timeout=settings.CHAT_SHUTDOWN_GRACE_S)
        try:
            await self.send_frame({"type": "reconnect", "reason": "server_restart", "message": shutdown.RECONNECT_MESSAGE})
            await self.close(code=shutdown.CLOSE_SERVICE_RESTART)
        except Exception:  # the client left meanwhile
            logger.debug("Could not tell %s to reconnect", self.scope.get("path"))
            return
        # The reactor drops connections without flushing them once the drain ends: wait for the client's close.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.closed_by_client.wait(), timeout=shutdown.CLOSE_WAIT_S)

    async def websocket_connect(self, message: dict) -> None:
        if shutdown.in_progress():  # a stopping process takes no new sockets
            await self.accept()
            await self.drain()
            return
        await super().websocket_connect(message)

    async def accept(self, subprotocol: str | None = None, headers: list | None = None) -> None:
        await super().accept(subprotocol, headers)
        self.accepted = True
        shutdown.track(self)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if shutdown.in_progress():
            return  # stopping: unacknowledged messages are sent again after the client reconnects
        if not self.limiter.allow():
            await self.send_error("rate_limited", "Too many frames; please slow down.")
            return
        try:
            frame = frame_parse(text_data, bytes_data, types=self.frame_types)
            await getattr(self, f"on_{frame['type']}")(frame)
        except ChatError as exc:
            await self.send_error(exc.code, exc.message)
        except DATABASE_DOWN:  # the client reconnects with back-off until the database is back
            logger.exception("Database unavailable on %s", self.scope.get("path"))
            await self.send_error("unavailable", UNAVAILABLE_MESSAGE)
            await self.close(code=shutdown.CLOSE_SERVICE_RESTART)
        except Exception:
            logger.exception("Frame handling failed on %s", self.scope.get("path"))
            await self.send_error("server_error", "Something went wrong on our side; please try again.")

    async def send_frame(self, frame: Mapping[str, object]) -> None:
        await self.send(text_data=json.dumps(frame))

    async def send_error(self, code: str, message: str, **extra: object) -> None:
        await self.send_frame({"type": "error", "code": code, "message": message, **extra})

    def spawn(self, work: Coroutine[object, object, None], *, finish_on_shutdown: bool = False) -> None:
        """Run work beside the receive loop, so a long reply does not hold up the next frames."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if finish_on_shutdown:
            self.finishing.add(task)
            task.add_done_callback(self.finishing.discard)

    async def disconnect(self, code: int) -> None:
        self.gone = True
        self.closed_by_client.set()
        for task in list(self.tasks):
            task.cancel()
