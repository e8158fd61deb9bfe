"""Live-chat payloads: the frames on the sockets and the events between web processes.

Frames are what a browser sends and receives (docs/protocol.md); events travel through the
channel layer to the groups below and are turned into frames by the consumers.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from conversations.models import Conversation, Message

CONSOLE_GROUP = "chat.console"

StatusEvent = Literal["handed_off", "agent_joined", "returned_to_bot", "closed"]


def conversation_group(conversation: Conversation) -> str:
    return f"chat.conversation.{conversation.public_id.hex}"


# --- payloads -------------------------------------------------------------------------------------------


class SourcePayload(TypedDict):
    id: int
    title: str
    url: str
    score: float


class MessagePayload(TypedDict):
    id: int
    role: str
    text: str
    author: str | None
    intent: str | None
    confidence: float | None
    sources: list[SourcePayload]
    client_message_id: str | None
    reply_to: int | None
    created_at: str


class ConversationPayload(TypedDict):
    id: str
    status: str
    rating: int | None
    assigned_agent: str | None
    escalated_at: str | None
    updated_at: str
    last_message: NotRequired[str]


# --- client -> server frames ----------------------------------------------------------------------------


class AuthFrame(TypedDict):
    type: Literal["auth"]
    token: str


class MessageFrame(TypedDict):
    type: Literal["message"]
    text: str
    client_message_id: NotRequired[str]


class RatingFrame(TypedDict):
    type: Literal["rating"]
    rating: int


class TypingFrame(TypedDict):
    type: Literal["typing"]
    typing: bool
    conversation: NotRequired[str]


class AgentActionFrame(TypedDict):
    """open, join, return_to_bot, close (agent socket); reply also carries text."""

    type: Literal["open", "join", "reply", "return_to_bot", "close"]
    conversation: str
    text: NotRequired[str]


# --- server -> client frames ----------------------------------------------------------------------------


class HistoryFrame(TypedDict):
    type: Literal["history", "transcript"]
    conversation: ConversationPayload
    messages: list[MessagePayload]


class AckFrame(TypedDict):
    type: Literal["ack"]
    client_message_id: str | None
    message_id: int
    duplicate: bool


class ReplyStartFrame(TypedDict):
    type: Literal["reply_start"]
    client_message_id: str | None


class TokenFrame(TypedDict):
    type: Literal["token"]
    text: str


class ReplyEndFrame(TypedDict):
    type: Literal["reply_end"]
    message_id: int
    role: str
    text: str
    intent: str | None
    confidence: float | None
    sources: list[SourcePayload]
    reply_to: int | None
    client_message_id: str | None
    status: str


class MessageOutFrame(TypedDict):
    type: Literal["message", "agent_message"]
    message: MessagePayload
    conversation: NotRequired[str]


class StatusFrame(TypedDict):
    type: Literal["status"]
    status: str
    event: StatusEvent
    agent: str | None
    conversation: NotRequired[str]


class TypingOutFrame(TypedDict):
    type: Literal["typing"]
    role: str
    typing: bool
    conversation: NotRequired[str]


class RatedFrame(TypedDict):
    type: Literal["rated"]
    rating: int


class QueueFrame(TypedDict):
    type: Literal["queue"]
    conversations: list[ConversationPayload]


class ConversationFrame(TypedDict):
    type: Literal["conversation"]
    conversation: ConversationPayload


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    client_message_id: NotRequired[str]


# --- channel-layer events (the "type" names the consumer handler: chat.message -> chat_message) ----------


class MessageEvent(TypedDict):
    type: Literal["chat.message"]
    message: MessagePayload
    conversation: str
    sender: str | None


class StatusChangeEvent(TypedDict):
    type: Literal["chat.status"]
    conversation: str
    status: str
    event: StatusEvent
    agent: str | None


class RevokedEvent(TypedDict):
    """The conversation's access token was revoked: its customer sockets close."""

    type: Literal["chat.revoked"]
    conversation: str


class TypingEvent(TypedDict):
    type: Literal["chat.typing"]
    conversation: str
    role: str
    typing: bool
    sender: str


class ConsoleEvent(TypedDict):
    type: Literal["console.changed"]
    conversation: ConversationPayload


# --- builders -------------------------------------------------------------------------------------------


def person_name(user: object | None) -> str | None:
    if user is None:
        return None
    return user.get_short_name() or user.get_username()  # type: ignore[attr-defined]


def message_payload(message: Message) -> MessagePayload:
    return {
        "id": message.pk,
        "role": message.role,
        "text": message.text,
        "author": person_name(message.author) if message.author_id else None,
        "intent": message.intent.name if message.intent_id else None,
        "confidence": message.confidence,
        "sources": list(message.sources or []),
        "client_message_id": message.client_message_id,
        "reply_to": message.reply_to_id,
        "created_at": message.created_at.isoformat(),
    }


def conversation_payload(conversation: Conversation, *, last_message: str | None = None) -> ConversationPayload:
    payload: ConversationPayload = {
        "id": str(conversation.public_id),
        "status": conversation.status,
        "rating": conversation.rating,
        "assigned_agent": person_name(conversation.assigned_agent) if conversation.assigned_agent_id else None,
        "escalated_at": conversation.escalated_at.isoformat() if conversation.escalated_at else None,
        "updated_at": conversation.updated_at.isoformat(),
    }
    if last_message is not None:
        payload["last_message"] = last_message
    return payload


def message_frame(message: MessagePayload) -> MessageOutFrame:
    """A stored message for the customer: agent replies have their own type."""
    return {"type": "agent_message" if message["role"] == "agent" else "message", "message": message}


def reply_end_frame(reply: MessagePayload, *, client_message_id: str | None, status: str) -> ReplyEndFrame:
    return {
        "type": "reply_end", "message_id": reply["id"], "role": reply["role"], "text": reply["text"],
        "intent": reply["intent"], "confidence": reply["confidence"], "sources": reply["sources"],
        "reply_to": reply["reply_to"], "client_message_id": client_message_id, "status": status,
    }
