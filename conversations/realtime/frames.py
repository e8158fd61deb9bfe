"""The frames on the sockets (docs/protocol.md): what a browser sends, parsed here (every malformed
frame becomes a FrameError, answered with an error frame), and what it receives."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Literal, NotRequired, TypedDict

from django.conf import settings

from conversations.errors import ChatError
from conversations.events import ConversationPayload, MessagePayload, SourcePayload, StatusEvent


class FrameError(ChatError):
    code = "invalid_frame"


def max_frame_chars() -> int:
    # Room for the longest message once JSON-escaped, plus the other fields.
    return settings.CHAT_MAX_MESSAGE_CHARS * 6 + 1024


def frame_parse(text_data: str | None, bytes_data: bytes | None, *, types: frozenset[str]) -> dict:
    if text_data is None:
        raise FrameError("Frames are JSON text; binary frames are not accepted.", code="binary_not_supported")
    if len(text_data) > max_frame_chars():
        raise FrameError(f"Frames are limited to {max_frame_chars()} characters.", code="frame_too_large")
    try:
        frame = json.loads(text_data)
    except ValueError:
        raise FrameError("The frame is not valid JSON.", code="invalid_json") from None
    if not isinstance(frame, dict):
        raise FrameError("A frame is a JSON object with a 'type'.")
    kind = frame.get("type")
    if not isinstance(kind, str) or not kind:
        raise FrameError("A frame needs a 'type'.")
    if kind not in types:
        raise FrameError(f"Unknown frame type {kind[:40]!r}; expected one of: {', '.join(sorted(types))}.", code="unknown_type")
    return frame


def field_str(frame: Mapping[str, object], name: str, *, required: bool = True) -> str | None:
    value = frame.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise FrameError(f"A {frame['type']} frame needs '{name}' as a non-empty string.", code="missing_field")
    return value


def field_bool(frame: Mapping[str, object], name: str) -> bool:
    value = frame.get(name)
    if not isinstance(value, bool):
        raise FrameError(f"A {frame['type']} frame needs '{name}' as true or false.", code="missing_field")
    return value


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
    unread: NotRequired[dict[str, dict]]  # agent socket: this agent's unread counters (docs/protocol.md)


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
    unread: NotRequired[dict[str, dict]]  # agent socket: this agent's unread counters (docs/protocol.md)


class ConversationFrame(TypedDict):
    type: Literal["conversation"]
    conversation: ConversationPayload
    unread: NotRequired[dict[str, dict]]  # agent socket: this agent's unread counters (docs/protocol.md)


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    client_message_id: NotRequired[str]


def message_frame(message: MessagePayload) -> MessageOutFrame:
    """A stored message for the customer: agent replies have their own type."""
    return {"type": "agent_message" if message["role"] == "agent" else "message", "message": message}


def reply_end_frame(reply: MessagePayload, *, client_message_id: str | None, status: str) -> ReplyEndFrame:
    return {
        "type": "reply_end", "message_id": reply["id"], "role": reply["role"], "text": reply["text"],
        "intent": reply["intent"], "confidence": reply["confidence"], "sources": reply["sources"],
        "reply_to": reply["reply_to"], "client_message_id": client_message_id, "status": status,
    }


# --- the copilot and the unread counters on the agent socket (docs/protocol.md) --------------------------


class DraftRequestFrame(TypedDict):
    """draft: draft a reply for the conversation; draft_cancel: stop the one in flight; draft_discard: dismiss it."""

    type: Literal["draft", "draft_cancel", "draft_discard"]
    conversation: str
    draft: NotRequired[int]


class ReadFrame(TypedDict):
    type: Literal["read"]
    conversation: str
    message: NotRequired[int]


class DraftTokenFrame(TypedDict):
    type: Literal["draft.token"]
    conversation: str
    text: str


class DraftPayload(TypedDict):
    id: int
    text: str
    sources: list[SourcePayload]
    answer_tier: str
    model_versions: dict[str, int]
    for_message: int
    outcome: str


class DraftDoneFrame(TypedDict):
    type: Literal["draft.done"]
    conversation: str
    draft: DraftPayload | None
    reason: str
    message: str


class UnreadFrame(TypedDict):
    type: Literal["unread"]
    conversations: dict[str, dict]


def field_int(frame: Mapping[str, object], name: str, *, required: bool = True) -> int | None:
    value = frame.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError(f"A {frame['type']} frame needs '{name}' as a whole number.", code="missing_field")
    return value
