"""A customer that follows the widget's protocol: reconnects, resends what was not acknowledged, times replies.

Used by the load generator (bench/live/load.py) and the fault drills (bench/drills/). Like the
widget (conversations/static/widget/chat.js) it keeps every message it has not seen acknowledged,
reads `history` on every (re)connect, drops from its pending list what history shows stored, and
sends the rest again with the same client_message_id. It records what it saw, so a drill can
compare the client's view with the database's.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from bench.live.wsclient import ConnectionClosed, WebSocket

LOST = (ConnectionClosed, ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, OSError)
CLOSE_FORBIDDEN = 4403
RETRYABLE = frozenset({"rate_limited", "unavailable"})  # not taken: the widget keeps the message and sends it again


@dataclass
class Timing:
    client_message_id: str
    sent: float
    first_token: float | None = None
    done: float | None = None
    replied: bool = False  # a reply (bot or hand-off notice) arrived, streamed or after a reconnect
    streamed: bool = False  # ...as reply_start/token/reply_end on the socket the message was sent on

    @property
    def ttft_ms(self) -> float | None:
        return None if self.first_token is None else (self.first_token - self.sent) * 1000

    @property
    def full_ms(self) -> float | None:
        return None if self.done is None else (self.done - self.sent) * 1000


@dataclass
class Customer:
    base: str
    conversation: dict
    name: str
    reply_timeout_s: float = 60.0
    reconnect: bool = True
    retry_s: float = 5.0  # like the widget, after a retryable error
    status: str = "with_bot"
    pending: dict[str, str] = field(default_factory=dict)  # client id -> text, not yet acknowledged
    acked: dict[str, int] = field(default_factory=dict)  # client id -> stored message id
    replies: dict[int, list[int]] = field(default_factory=dict)  # customer message id -> reply ids seen
    timings: dict[str, Timing] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    reconnects: int = 0
    close_codes: list[int | None] = field(default_factory=list)
    _ws: WebSocket | None = None
    _current: str | None = None
    _retry_at: float | None = None

    # --- connection ---------------------------------------------------------------------------------

    async def connect(self, *, timeout: float = 10.0) -> None:
        """Open the socket, authenticate, read history and resend what is still pending."""
        url = f"{self.base.replace('http', 'ws', 1)}/ws/chat/{self.conversation['id']}/"
        ws = await WebSocket.connect(url, origin=self.base, timeout=timeout)
        try:
            await ws.send_json({"type": "auth", "token": self.conversation["access_token"]})
            while (frame := await ws.recv_json(timeout=timeout))["type"] != "history":
                if frame["type"] == "error":
                    raise ConnectionClosed(f"auth answered {frame.get('code')}")
        except BaseException:
            await ws.close()
            raise
        self._ws = ws
        self._read_history(frame)
        for client_id, text in list(self.pending.items()):
            await ws.send_json({"type": "message", "text": text, "client_message_id": client_id})

    def _read_history(self, frame: dict) -> None:
        self.status = frame["conversation"]["status"]
        by_id = {}
        answered = {m["reply_to"] for m in frame["messages"] if m.get("reply_to") is not None}
        for message in frame["messages"]:
            by_id[message["id"]] = message
            client_id = message.get("client_message_id")
            if message["role"] == "customer" and client_id in self.timings:
                # Stored but never answered while with the bot (its web process died): sent again, to be answered.
                if message["id"] in answered or self.status != "with_bot":
                    self.pending.pop(client_id, None)
                self.acked[client_id] = message["id"]
        for message in frame["messages"]:
            if message.get("reply_to") is not None:
                self._reply_seen(message["reply_to"], message["id"])

    async def _reconnect(self, deadline: float) -> None:
        delay = 0.2
        while True:
            self.reconnects += 1
            try:
                await self.connect()
                return
            except LOST as exc:
                if time.monotonic() + delay > deadline:
                    # Out of time, like any other unanswered message: the caller sees one kind of failure.
                    raise TimeoutError(f"{self.name}: could not reconnect in time ({exc})") from exc
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, 5.0)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    # --- frames -------------------------------------------------------------------------------------

    def _reply_seen(self, reply_to: int, reply_id: int) -> None:
        seen = self.replies.setdefault(reply_to, [])
        if reply_id not in seen:
            seen.append(reply_id)
        for client_id, message_id in self.acked.items():
            if message_id == reply_to and client_id in self.timings:
                self.pending.pop(client_id, None)  # answered, so stored: a resend kept for it is no longer needed
                timing = self.timings[client_id]
                timing.replied = True
                timing.done = timing.done or time.perf_counter()

    def _handle(self, frame: dict) -> None:
        kind, now = frame["type"], time.perf_counter()
        timing = self.timings.get(self._current or "")
        if kind in ("reply_start", "token") and timing is not None:
            timing.first_token = timing.first_token or now
            timing.streamed = True
        elif kind == "ack":
            client_id = frame.get("client_message_id")
            self.pending.pop(client_id, None)
            self.acked[client_id] = frame["message_id"]
            if frame["message_id"] in self.replies:  # its reply came first, as a message frame
                self._reply_seen(frame["message_id"], self.replies[frame["message_id"]][0])
        elif kind == "reply_end":
            self.status = frame.get("status") or self.status
            if frame.get("reply_to") is not None:
                self._reply_seen(frame["reply_to"], frame["message_id"])
        elif kind == "message":
            message = frame["message"]
            if message.get("reply_to") is not None:
                self._reply_seen(message["reply_to"], message["id"])
        elif kind == "status":
            self.status = frame["status"]
        elif kind == "error":
            self.errors.append(frame)
            if frame.get("code") in RETRYABLE and frame.get("client_message_id") in self.pending:
                self._retry_at = time.monotonic() + self.retry_s

    def _settled(self, client_id: str) -> bool:
        """Acknowledged, and either answered or sent while people have the conversation (the bot is silent)."""
        timing = self.timings[client_id]
        if client_id not in self.acked:  # refused for good (too long, closed conversation...)
            return any(e.get("client_message_id") == client_id and e.get("code") not in RETRYABLE for e in self.errors)
        if timing.replied:
            return True
        return not timing.streamed and self.status != "with_bot"

    # --- sending ------------------------------------------------------------------------------------

    async def say(self, client_id: str, text: str, *, timeout: float | None = None) -> Timing:
        """Send one message and read frames until it is settled (reconnecting as often as needed)."""
        self._current = client_id
        timing = self.timings[client_id] = Timing(client_id, time.perf_counter())
        self.pending[client_id] = text
        deadline = time.monotonic() + (timeout or self.reply_timeout_s)
        if self._ws is not None:
            await self._send_current(client_id, text)
        while not self._settled(client_id):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no answer to {client_id} in time")
            if self._ws is None:
                if not self.reconnect:
                    raise ConnectionClosed(f"{self.name}: disconnected")
                await self._reconnect(deadline)
                continue
            if self._retry_at is not None and time.monotonic() >= self._retry_at:
                self._retry_at = None
                for pending_id, pending_text in list(self.pending.items()):
                    await self._send_current(pending_id, pending_text)
                continue
            wake = min(deadline, self._retry_at or deadline)
            try:
                self._handle(await self._ws.recv_json(timeout=max(0.1, wake - time.monotonic())))
            except asyncio.TimeoutError:
                continue  # a retry is due, or the deadline passed (checked above)
            except LOST as exc:
                self.close_codes.append(getattr(exc, "code", None))
                await self.close()
                if getattr(exc, "code", None) == CLOSE_FORBIDDEN:
                    raise
        return timing

    async def _send_current(self, client_id: str, text: str) -> None:
        if self._ws is None:
            return  # sent from pending after the reconnect
        try:
            await self._ws.send_json({"type": "message", "text": text, "client_message_id": client_id})  # type: ignore[union-attr]
        except LOST:
            await self.close()  # resent from pending after the reconnect
