"""The customer's socket: one conversation, opened with its access token in a first auth frame."""

from __future__ import annotations

import asyncio
import logging
import math
from functools import partial

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings

from conversations import selectors, services
from conversations.api.throttles import conversation_message_allow
from conversations.errors import ChatError
from conversations.events import (
    MessageEvent,
    RatedEvent,
    RevokedEvent,
    StatusChangeEvent,
    TypingEvent,
    conversation_group,
    typing_event,
)
from conversations.models import Conversation, Message
from conversations.realtime.base import DATABASE_DOWN, UNAVAILABLE_MESSAGE, FrameConsumer
from conversations.realtime.frames import (
    AckFrame,
    AuthFrame,
    FrameError,
    HistoryFrame,
    MessageFrame,
    RatedFrame,
    RatingFrame,
    ReplyStartFrame,
    StatusFrame,
    TokenFrame,
    TypingFrame,
    TypingOutFrame,
    field_bool,
    field_str,
    message_frame,
    reply_end_frame,
)
from conversations.realtime.threads import stream_from_thread
from conversations.services.messages import message_unanswered

logger = logging.getLogger(__name__)
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class CustomerConsumer(FrameConsumer):
    frame_types = frozenset({"auth", "message", "handoff", "rating", "typing", "close"})

    conversation: Conversation | None = None

    async def connect(self) -> None:
        self.public_id = self.scope["url_route"]["kwargs"]["public_id"]
        self.reply_lock = asyncio.Lock()
        await self.accept()
        self.spawn(self._auth_deadline())

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(settings.CHAT_AUTH_TIMEOUT_S)
        if self.conversation is None:
            await self.send_error("auth_timeout", "Send an auth frame with the conversation's token first.")
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def on_auth(self, frame: AuthFrame) -> None:
        if self.conversation is not None:
            raise FrameError("This socket is already authenticated.", code="already_authenticated")
        conversation = await database_sync_to_async(selectors.conversation_for_token)(self.public_id, frame.get("token"))
        if conversation is None:
            await self.send_error("forbidden", "This token does not open this conversation.")
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.conversation = conversation
        # Join before reading the history, so nothing falls between the two (the widget drops duplicates by id).
        await self.channel_layer.group_add(conversation_group(conversation), self.channel_name)
        # Read together, so the client holding its history knows the server has no more to read for the auth
        # (a database that goes down after that fails its next message, not this socket).
        history, unanswered = await database_sync_to_async(self._history_and_unanswered)()
        await self.send_frame(history)
        # A message stored before its web process died, never answered: answered now (the widget sees it stored
        # in the history and would not resend it). The claim in the service keeps this exactly-once.
        if unanswered is not None:
            self.spawn(self._answer(unanswered.text, unanswered.client_message_id), finish_on_shutdown=True)

    def _history(self) -> HistoryFrame:
        assert self.conversation is not None
        return {"type": "history", "conversation": selectors.conversation_state(self.conversation),
                "messages": selectors.history(self.conversation)}

    def _history_and_unanswered(self) -> tuple[HistoryFrame, Message | None]:
        assert self.conversation is not None
        return self._history(), message_unanswered(conversation=self.conversation)

    def _authenticated(self) -> Conversation:
        if self.conversation is None:
            raise FrameError("Send an auth frame with the conversation's token first.", code="not_authenticated")
        return self.conversation

    # --- messages and streamed replies ----------------------------------------------------------------

    async def on_message(self, frame: MessageFrame) -> None:
        self._authenticated()
        client_id = field_str(frame, "client_message_id", required=False)
        try:
            text = services.message_text_clean(frame.get("text"))
        except ChatError as exc:
            await self.send_error(exc.code, exc.message, client_message_id=client_id)
            return
        wait = await sync_to_async(conversation_message_allow)(self._authenticated())
        if wait is not None:
            await self.send_error("rate_limited", f"Too many messages in this conversation; please wait {math.ceil(wait)} s.",
                                  client_message_id=client_id)
            return
        self.spawn(self._answer(text, client_id), finish_on_shutdown=True)

    async def _answer(self, text: str, client_id: str | None) -> None:
        async with self.reply_lock:  # one reply at a time per socket, in the order sent
            try:
                await self._stream_reply(text, client_id)
            except ChatError as exc:
                await self.send_error(exc.code, exc.message, client_message_id=client_id)
            except DATABASE_DOWN:  # not stored: the widget keeps it and sends it again
                logger.exception("Database unavailable; message not taken in conversation %s", self.public_id)
                await self.send_error("unavailable", UNAVAILABLE_MESSAGE, client_message_id=client_id)
            except Exception:
                logger.exception("Answering a message failed in conversation %s", self.public_id)
                await self.send_error("server_error", "Something went wrong on our side; please try again.",
                                      client_message_id=client_id)

    async def _stream_reply(self, text: str, client_id: str | None) -> None:
        conversation = self._authenticated()
        started = False

        async def start() -> None:
            nonlocal started
            if not started:
                started = True
                await self.send_frame(ReplyStartFrame(type="reply_start", client_message_id=client_id))

        async def send_token(chunk: str) -> None:
            await start()
            await self.send_frame(TokenFrame(type="token", text=chunk))

        receive = partial(services.customer_message_receive, conversation=conversation, text=text,
                          client_message_id=client_id, sender=self.channel_name)
        exchange = await stream_from_thread(receive, send_token)
        await self.send_frame(AckFrame(type="ack", client_message_id=client_id, message_id=exchange.message.pk,
                                       duplicate=not exchange.created))
        if exchange.reply is None:
            return
        if not exchange.created and not exchange.answered_now:  # answered before: the stored reply, not a new one
            await self.send_frame(message_frame(exchange.reply_payload))
            return
        await start()
        await self.send_frame(reply_end_frame(exchange.reply_payload, client_message_id=client_id, status=exchange.status))

    # --- other customer actions -----------------------------------------------------------------------

    async def on_handoff(self, frame: dict) -> None:
        await database_sync_to_async(services.conversation_request_human)(conversation=self._authenticated())

    async def on_rating(self, frame: RatingFrame) -> None:
        rate = database_sync_to_async(services.conversation_rate)
        conversation = await rate(conversation=self._authenticated(), rating=frame.get("rating"), sender=self.channel_name)
        await self.send_frame(RatedFrame(type="rated", rating=conversation.rating))

    async def on_close(self, frame: dict) -> None:
        await database_sync_to_async(services.conversation_close)(conversation=self._authenticated())

    async def on_typing(self, frame: TypingFrame) -> None:
        conversation = self._authenticated()
        event = typing_event(conversation, role="customer", typing=field_bool(frame, "typing"), sender=self.channel_name)
        await self.channel_layer.group_send(conversation_group(conversation), event)

    # --- events from the channel layer ----------------------------------------------------------------

    async def chat_message(self, event: MessageEvent) -> None:
        if event["sender"] == self.channel_name:
            return  # this socket streamed it already
        await self.send_frame(message_frame(event["message"]))

    async def chat_status(self, event: StatusChangeEvent) -> None:
        await self.send_frame(StatusFrame(type="status", status=event["status"], event=event["event"], agent=event["agent"]))

    async def chat_rated(self, event: RatedEvent) -> None:
        if event["sender"] != self.channel_name:  # the rating socket answered its own frame
            await self.send_frame(RatedFrame(type="rated", rating=event["rating"]))

    async def chat_revoked(self, event: RevokedEvent) -> None:
        if self.conversation is not None:  # frames still in flight are refused from now on
            await self.channel_layer.group_discard(conversation_group(self.conversation), self.channel_name)
            self.conversation = None
        await self.send_error("token_revoked", "This conversation's access token was revoked.")
        await self.close(code=CLOSE_FORBIDDEN)

    async def chat_typing(self, event: TypingEvent) -> None:
        if event["role"] != "customer":
            await self.send_frame(TypingOutFrame(type="typing", role=event["role"], typing=event["typing"]))

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if self.conversation is not None:
            await self.channel_layer.group_discard(conversation_group(self.conversation), self.channel_name)
