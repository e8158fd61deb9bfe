"""The events every write publishes to the sockets, and how they travel.

A service that changes a conversation builds its events here and hands them to
``publish_on_commit``: once its transaction commits they go through the channel layer to the
conversation's group (its customer sockets, and the agent who has it open) and to the agent
console's group. The consumers turn them into frames (realtime/frames.py, docs/protocol.md).
Nothing is announced that was rolled back.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.dispatch import Signal

from conversations.models import Conversation, Message

logger = logging.getLogger(__name__)

CONSOLE_GROUP = "chat.console"

# Sent once per committed event, with ``group`` and ``event`` (the dict the sockets get), whether or not a
# channel layer is configured: apps above this one (webhooks, e-mail) connect to it in their ready().
event_published = Signal()

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
    handoff_reason: str
    created_at: str


class ConversationPayload(TypedDict):
    id: str
    status: str
    rating: int | None
    assigned_agent: str | None
    escalated_at: str | None
    updated_at: str
    last_message: NotRequired[str]
    # The agent console's rows only (console_payload): never in a customer's frames.
    agent_username: NotRequired[str | None]
    offline_handoff: NotRequired[bool]
    contact_email_left: NotRequired[bool]
    tags: NotRequired[list[str]]


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


class RatedEvent(TypedDict):
    type: Literal["chat.rated"]
    conversation: str
    rating: int
    sender: str | None


class TypingEvent(TypedDict):
    type: Literal["chat.typing"]
    conversation: str
    role: str
    typing: bool
    sender: str


class CreatedEvent(TypedDict):
    """A conversation was started: no socket is in its group yet, so only event_published's receivers hear it."""

    type: Literal["chat.created"]
    conversation: str
    channel: str
    created_at: str


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
        "handoff_reason": message.handoff_reason,
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


# --- the events of a change, and their delivery -------------------------------------------------------

Event = tuple[str, dict]  # (group, event)


def message_event(conversation: Conversation, message: Message | MessagePayload, sender: str | None = None) -> Event:
    """A stored message (or its payload, already built); ``sender`` is the socket that streamed it and is not told again."""
    payload = message if isinstance(message, dict) else message_payload(message)
    event: MessageEvent = {"type": "chat.message", "message": payload, "conversation": str(conversation.public_id), "sender": sender}
    return conversation_group(conversation), dict(event)


def status_event(conversation: Conversation, change: StatusEvent) -> Event:
    """``conversation`` as it is after the change, with its assigned agent loaded."""
    event: StatusChangeEvent = {"type": "chat.status", "conversation": str(conversation.public_id), "status": conversation.status,
                                "event": change, "agent": person_name(conversation.assigned_agent)}
    return conversation_group(conversation), dict(event)


def console_payload(conversation: Conversation, *, last_message: str) -> ConversationPayload:
    """The conversation's row as agents see it: its payload, plus what only agents see (never sent to the customer)."""
    payload = conversation_payload(conversation, last_message=last_message)
    payload["agent_username"] = conversation.assigned_agent.get_username() if conversation.assigned_agent_id else None
    payload["offline_handoff"] = conversation.offline_handoff
    payload["contact_email_left"] = bool(conversation.contact_email)
    payload["tags"] = sorted(tag.name for tag in conversation.tags.all())
    return payload


def console_event(conversation: Conversation, *, last_message: str) -> Event:
    """The conversation's row in the agent console, as it is after the change."""
    event: ConsoleEvent = {"type": "console.changed", "conversation": console_payload(conversation, last_message=last_message)}
    return CONSOLE_GROUP, dict(event)


def rated_event(conversation: Conversation, sender: str | None = None) -> Event:
    event: RatedEvent = {"type": "chat.rated", "conversation": str(conversation.public_id), "rating": conversation.rating,
                         "sender": sender}
    return conversation_group(conversation), dict(event)


def created_event(conversation: Conversation) -> Event:
    event: CreatedEvent = {"type": "chat.created", "conversation": str(conversation.public_id), "channel": conversation.channel,
                           "created_at": conversation.created_at.isoformat()}
    return conversation_group(conversation), dict(event)


def revoked_event(conversation: Conversation) -> Event:
    event: RevokedEvent = {"type": "chat.revoked", "conversation": str(conversation.public_id)}
    return conversation_group(conversation), dict(event)


def typing_event(conversation: Conversation, *, role: str, typing: bool, sender: str) -> TypingEvent:
    return {"type": "chat.typing", "conversation": str(conversation.public_id), "role": role, "typing": typing, "sender": sender}


def publish(events: list[Event]) -> None:
    layer = get_channel_layer()
    for group, event in events:
        if layer is not None:
            try:
                async_to_sync(layer.group_send)(group, event)
            except Exception:
                # The change is committed; a socket that missed it catches up from history on reconnect.
                logger.exception("Could not publish %s to %s", event.get("type"), group)
        # A failing receiver is logged by Django and never undoes the write or stops the other events.
        event_published.send_robust(sender=Conversation, group=group, event=event)


def publish_on_commit(events: list[Event]) -> None:
    """Send once the current transaction commits (at once outside a transaction); never if it rolls back."""
    transaction.on_commit(partial(publish, events))


# --- the agent workspace: events only the console hears (CONSOLE_GROUP; never a conversation's group) ---


class NotePayload(TypedDict):
    id: int
    author: str | None
    text: str
    created_at: str


class NoteEvent(TypedDict):
    """A private note: published to the console group only, so no customer socket can hear it."""

    type: Literal["console.note"]
    conversation: str
    note: NotePayload


class AvailabilityEvent(TypedDict):
    type: Literal["console.availability"]
    agent: str
    availability: str


def note_payload(note: object) -> NotePayload:
    return {"id": note.pk, "author": person_name(note.author) if note.author_id else None,  # type: ignore[attr-defined]
            "text": note.text, "created_at": note.created_at.isoformat()}  # type: ignore[attr-defined]


def note_event(conversation: Conversation, note: object) -> Event:
    event: NoteEvent = {"type": "console.note", "conversation": str(conversation.public_id), "note": note_payload(note)}
    return CONSOLE_GROUP, dict(event)


def availability_event(user: object, availability: str) -> Event:
    event: AvailabilityEvent = {"type": "console.availability", "agent": user.get_username(), "availability": availability}  # type: ignore[attr-defined]
    return CONSOLE_GROUP, dict(event)
