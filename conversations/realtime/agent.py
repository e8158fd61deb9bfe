"""The agent console's socket: session-authenticated, sees the queue live and acts on conversations."""

from __future__ import annotations

from channels.db import database_sync_to_async

from conversations import selectors, services
from conversations.events import (
    CONSOLE_GROUP,
    ConsoleEvent,
    MessageEvent,
    StatusChangeEvent,
    TypingEvent,
    conversation_group,
    typing_event,
)
from conversations.models import Conversation
from conversations.realtime.base import FrameConsumer
from conversations.realtime.frames import (
    AgentActionFrame,
    ConversationFrame,
    FrameError,
    HistoryFrame,
    MessageOutFrame,
    QueueFrame,
    StatusFrame,
    TypingFrame,
    TypingOutFrame,
    field_bool,
    field_str,
)

AGENT_PERMISSION = "conversations.reply_conversation"
CLOSE_FORBIDDEN = 4403


def _may_reply(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(AGENT_PERMISSION))  # type: ignore[attr-defined]


class AgentConsumer(FrameConsumer):
    frame_types = frozenset({"open", "join", "reply", "return_to_bot", "close", "typing"})

    open_conversation: Conversation | None = None
    admitted = False

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if not await database_sync_to_async(_may_reply)(self.user):
            await self.close(code=CLOSE_FORBIDDEN)  # before accept: the handshake is refused (HTTP 403)
            return
        await self.accept()
        self.admitted = True
        await self.channel_layer.group_add(CONSOLE_GROUP, self.channel_name)
        queue: QueueFrame = {"type": "queue", "conversations": await database_sync_to_async(selectors.console_queue)()}
        await self.send_frame(queue)

    async def _conversation(self, frame: AgentActionFrame | TypingFrame) -> Conversation:
        public_id = field_str(frame, "conversation")
        conversation = await database_sync_to_async(selectors.conversation_by_public_id)(public_id)
        if conversation is None:
            raise FrameError("No conversation has this id.", code="not_found")
        return conversation

    async def on_open(self, frame: AgentActionFrame) -> None:
        conversation = await self._conversation(frame)
        if self.open_conversation is not None:
            await self.channel_layer.group_discard(conversation_group(self.open_conversation), self.channel_name)
        self.open_conversation = conversation
        await self.channel_layer.group_add(conversation_group(conversation), self.channel_name)
        await self.send_frame(await database_sync_to_async(self._transcript)(conversation))

    def _transcript(self, conversation: Conversation) -> HistoryFrame:
        return {"type": "transcript", "conversation": selectors.console_summary(conversation),
                "messages": selectors.history(conversation)}

    async def on_join(self, frame: AgentActionFrame) -> None:
        await database_sync_to_async(services.conversation_assign)(conversation=await self._conversation(frame), agent=self.user)

    async def on_reply(self, frame: AgentActionFrame) -> None:
        conversation = await self._conversation(frame)
        await database_sync_to_async(services.agent_message_post)(conversation=conversation, agent=self.user, text=frame.get("text"))

    async def on_return_to_bot(self, frame: AgentActionFrame) -> None:
        await database_sync_to_async(services.conversation_return_to_bot)(conversation=await self._conversation(frame))

    async def on_close(self, frame: AgentActionFrame) -> None:
        await database_sync_to_async(services.conversation_close)(conversation=await self._conversation(frame))

    async def on_typing(self, frame: TypingFrame) -> None:
        conversation = await self._conversation(frame)
        event = typing_event(conversation, role="agent", typing=field_bool(frame, "typing"), sender=self.channel_name)
        await self.channel_layer.group_send(conversation_group(conversation), event)

    # --- events from the channel layer ----------------------------------------------------------------

    def _is_open(self, public_id: str) -> bool:
        return self.open_conversation is not None and str(self.open_conversation.public_id) == public_id

    async def console_changed(self, event: ConsoleEvent) -> None:
        await self.send_frame(ConversationFrame(type="conversation", conversation=event["conversation"]))

    async def chat_message(self, event: MessageEvent) -> None:
        if self._is_open(event["conversation"]):
            await self.send_frame(MessageOutFrame(type="message", conversation=event["conversation"], message=event["message"]))

    async def chat_status(self, event: StatusChangeEvent) -> None:
        if self._is_open(event["conversation"]):
            await self.send_frame(StatusFrame(type="status", conversation=event["conversation"], status=event["status"],
                                              event=event["event"], agent=event["agent"]))

    async def chat_revoked(self, event: dict) -> None:
        """The customer's token was revoked: that closes the customer's sockets, not the agent's."""

    async def chat_rated(self, event: dict) -> None:
        """The console hears the rating as its row's change (console.changed)."""

    async def chat_typing(self, event: TypingEvent) -> None:
        if event["role"] == "customer" and self._is_open(event["conversation"]):
            await self.send_frame(TypingOutFrame(type="typing", conversation=event["conversation"], role="customer", typing=event["typing"]))

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if not self.admitted:
            return
        await self.channel_layer.group_discard(CONSOLE_GROUP, self.channel_name)
        if self.open_conversation is not None:
            await self.channel_layer.group_discard(conversation_group(self.open_conversation), self.channel_name)
