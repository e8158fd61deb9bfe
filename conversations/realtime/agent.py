"""The agent console's socket: session-authenticated, sees the queue live and acts on conversations."""

from __future__ import annotations

import logging
import threading
from functools import partial

from channels.db import database_sync_to_async

from conversations import selectors, services
from conversations.errors import ChatError
from conversations.events import (
    CONSOLE_GROUP,
    AvailabilityEvent,
    ConsoleEvent,
    MessageEvent,
    NoteEvent,
    StatusChangeEvent,
    TypingEvent,
    conversation_group,
    typing_event,
)
from conversations.models import Conversation
from conversations.realtime import workspace_frames
from conversations.realtime.base import DATABASE_DOWN, UNAVAILABLE_MESSAGE, FrameConsumer
from conversations.realtime.frames import (
    AgentActionFrame,
    ConversationFrame,
    DraftDoneFrame,
    DraftRequestFrame,
    DraftTokenFrame,
    FrameError,
    HistoryFrame,
    MessageOutFrame,
    QueueFrame,
    ReadFrame,
    StatusFrame,
    TypingFrame,
    TypingOutFrame,
    UnreadFrame,
    field_bool,
    field_int,
    field_str,
)
from conversations.realtime.threads import stream_from_thread

logger = logging.getLogger(__name__)
AGENT_PERMISSION = "conversations.reply_conversation"
CLOSE_FORBIDDEN = 4403


def _may_reply(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(AGENT_PERMISSION))  # type: ignore[attr-defined]


class AgentConsumer(FrameConsumer):
    frame_types = frozenset({"open", "join", "reply", "return_to_bot", "close", "typing",
                             "draft", "draft_cancel", "draft_discard", "read",
                             # the agent workspace (docs/agent-workspace.md)
                             "workspace", "note", "tag_add", "tag_remove", "transfer", "availability", "presence"})

    open_conversation: Conversation | None = None
    admitted = False
    draft_cancel: threading.Event | None = None  # the draft in flight, if any

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if not await database_sync_to_async(_may_reply)(self.user):
            await self.close(code=CLOSE_FORBIDDEN)  # before accept: the handshake is refused (HTTP 403)
            return
        await self.accept()
        self.admitted = True
        await self.channel_layer.group_add(CONSOLE_GROUP, self.channel_name)
        queue: QueueFrame = {"type": "queue", "conversations": await database_sync_to_async(selectors.console_queue)(),
                             "unread": await self._unread(None)}
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
        await database_sync_to_async(services.conversation_mark_read)(agent=self.user, conversation=conversation)
        transcript = await database_sync_to_async(self._transcript)(conversation)
        transcript["unread"] = await self._unread([str(conversation.public_id)])
        await self.send_frame(transcript)

    def _transcript(self, conversation: Conversation) -> HistoryFrame:
        frame: HistoryFrame = {"type": "transcript", "conversation": selectors.console_summary(conversation),
                               "messages": selectors.history(conversation)}
        return {**frame, **workspace_frames.transcript_extras(conversation)}  # type: ignore[typeddict-item]

    async def on_join(self, frame: AgentActionFrame) -> None:
        await database_sync_to_async(services.conversation_assign)(conversation=await self._conversation(frame), agent=self.user)

    async def on_reply(self, frame: AgentActionFrame) -> None:
        conversation = await self._conversation(frame)
        await database_sync_to_async(services.agent_message_post)(conversation=conversation, agent=self.user, text=frame.get("text"),
                                                                  draft=field_int(frame, "draft", required=False))

    async def on_return_to_bot(self, frame: AgentActionFrame) -> None:
        await database_sync_to_async(services.conversation_return_to_bot)(conversation=await self._conversation(frame))

    async def on_close(self, frame: AgentActionFrame) -> None:
        await database_sync_to_async(services.conversation_close)(conversation=await self._conversation(frame))

    async def on_typing(self, frame: TypingFrame) -> None:
        conversation = await self._conversation(frame)
        event = typing_event(conversation, role="agent", typing=field_bool(frame, "typing"), sender=self.channel_name)
        await self.channel_layer.group_send(conversation_group(conversation), event)

    # --- the copilot's drafts and the unread counters --------------------------------------------------

    async def on_draft(self, frame: DraftRequestFrame) -> None:
        """Draft a reply in a reply thread; its pieces stream as draft.token frames, then one draft.done."""
        conversation = await self._conversation(frame)
        if self.draft_cancel is not None:
            self.draft_cancel.set()  # one draft at a time: the newer request wins
        cancel = self.draft_cancel = threading.Event()
        self.spawn(self._draft(conversation, cancel))

    async def _draft(self, conversation: Conversation, cancel: threading.Event) -> None:
        public_id = str(conversation.public_id)

        async def send_token(chunk: str) -> None:
            if not cancel.is_set():
                await self.send_frame(DraftTokenFrame(type="draft.token", conversation=public_id, text=chunk))

        work = partial(services.draft_create, conversation=conversation, agent=self.user, cancelled=cancel)
        try:
            result = await stream_from_thread(work, send_token)
        except ChatError as exc:
            await self.send_error(exc.code, exc.message, conversation=public_id)
            return
        except DATABASE_DOWN:
            await self.send_error("unavailable", UNAVAILABLE_MESSAGE, conversation=public_id)
            return
        except Exception:
            logger.exception("Drafting failed in conversation %s", public_id)
            await self.send_error("server_error", "The draft could not be written; please try again.", conversation=public_id)
            return
        finally:
            if self.draft_cancel is cancel:
                self.draft_cancel = None
        draft = result.draft
        await self.send_frame(DraftDoneFrame(
            type="draft.done", conversation=public_id, reason=result.reason, message=result.message,
            draft=None if draft is None else {"id": draft.pk, "text": draft.text, "sources": draft.sources, "answer_tier": draft.answer_tier,
                                              "model_versions": draft.model_versions, "for_message": draft.for_message_id,
                                              "outcome": draft.outcome}))

    async def on_draft_cancel(self, frame: DraftRequestFrame) -> None:
        if self.draft_cancel is not None:
            self.draft_cancel.set()

    async def on_draft_discard(self, frame: DraftRequestFrame) -> None:
        await database_sync_to_async(services.draft_discard)(draft_id=field_int(frame, "draft"), agent=self.user)

    async def on_read(self, frame: ReadFrame) -> None:
        conversation = await self._conversation(frame)
        await database_sync_to_async(services.conversation_mark_read)(
            agent=self.user, conversation=conversation, up_to=field_int(frame, "message", required=False))
        await self.send_frame(UnreadFrame(type="unread", conversations=await self._unread([str(conversation.public_id)])))

    async def _unread(self, public_ids: list[str] | None) -> dict[str, dict]:
        """This agent's unread counters (selectors.unread_counts), carried by the queue, transcript and
        conversation frames, and by an unread frame answering a read frame."""
        return await database_sync_to_async(selectors.unread_counts)(self.user, public_ids)

    # --- the agent workspace: notes, tags, transfer, availability ----------------------------------------

    async def _allowed(self, perm: str) -> None:
        if not await database_sync_to_async(self.user.has_perm)(perm):
            raise FrameError("You are not allowed to do this.", code="forbidden")

    async def on_workspace(self, frame: AgentActionFrame) -> None:
        """The console asks once connected: who it is, its availability, and the agents it can transfer to."""
        await self.send_frame(await database_sync_to_async(workspace_frames.workspace_frame)(self.user))

    async def on_note(self, frame: AgentActionFrame) -> None:
        await self._allowed("conversations.add_agentnote")
        conversation = await self._conversation(frame)
        await database_sync_to_async(services.note_add)(conversation=conversation, author=self.user, text=frame.get("text"))

    async def on_tag_add(self, frame: AgentActionFrame) -> None:
        await self._allowed("conversations.add_tag")
        await database_sync_to_async(services.tag_add)(conversation=await self._conversation(frame), name=frame.get("tag"))

    async def on_tag_remove(self, frame: AgentActionFrame) -> None:
        await self._allowed("conversations.add_tag")
        await database_sync_to_async(services.tag_remove)(conversation=await self._conversation(frame), name=frame.get("tag"))

    async def on_transfer(self, frame: AgentActionFrame) -> None:
        await self._allowed("conversations.transfer_conversation")
        conversation = await self._conversation(frame)
        await database_sync_to_async(workspace_frames.transfer)(conversation=conversation, by=self.user, to_agent=frame.get("to_agent"),
                                                                note=frame.get("note", ""))

    async def on_availability(self, frame: AgentActionFrame) -> None:
        await database_sync_to_async(services.agent_availability_set)(agent=self.user, availability=frame.get("availability"))

    async def on_presence(self, frame: AgentActionFrame) -> None:
        """The console says it is open (every minute): an agent set online counts as online only while it does."""
        await database_sync_to_async(services.agent_seen)(agent=self.user)

    async def console_note(self, event: NoteEvent) -> None:
        await self.send_frame({"type": "note", "conversation": event["conversation"], "note": event["note"]})

    async def console_availability(self, event: AvailabilityEvent) -> None:
        await self.send_frame(await database_sync_to_async(workspace_frames.availability_frame)(self.user, event))

    # --- events from the channel layer ----------------------------------------------------------------

    def _is_open(self, public_id: str) -> bool:
        return self.open_conversation is not None and str(self.open_conversation.public_id) == public_id

    async def console_changed(self, event: ConsoleEvent) -> None:
        await self.send_frame(ConversationFrame(type="conversation", conversation=event["conversation"],
                                                unread=await self._unread([event["conversation"]["id"]])))

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
        if self.draft_cancel is not None:
            self.draft_cancel.set()
        await super().disconnect(code)
        if not self.admitted:
            return
        await self.channel_layer.group_discard(CONSOLE_GROUP, self.channel_name)
        if self.open_conversation is not None:
            await self.channel_layer.group_discard(conversation_group(self.open_conversation), self.channel_name)
