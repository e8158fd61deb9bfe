"""Reads for the live chat: socket authentication, history frames and the agent console's queue."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.utils.crypto import constant_time_compare

from conversations.events import ConversationPayload, MessagePayload, conversation_payload, message_payload
from conversations.models import Conversation, Message

QUEUE_STATUSES = (Conversation.Status.WAITING_FOR_AGENT, Conversation.Status.WITH_AGENT)
QUEUE_LIMIT = 200
PREVIEW_CHARS = 120


def conversation_by_public_id(public_id: uuid.UUID | str) -> Conversation | None:
    try:
        key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        return None
    return Conversation.objects.select_related("assigned_agent").filter(public_id=key).first()


def conversation_for_token(public_id: uuid.UUID | str, token: object) -> Conversation | None:
    """The conversation when the token is its access token; None for any mismatch (no hint which)."""
    if not isinstance(token, str) or not token:
        return None
    conversation = conversation_by_public_id(public_id)
    if conversation is None or not constant_time_compare(conversation.access_token, token):
        return None
    return conversation


def history(conversation: Conversation) -> list[MessagePayload]:
    recent = conversation.messages.select_related("intent", "author").order_by("-created_at", "-id")[: settings.CHAT_HISTORY_LIMIT]
    return [message_payload(m) for m in reversed(recent)]


def conversation_state(conversation: Conversation) -> ConversationPayload:
    fresh = Conversation.objects.select_related("assigned_agent").get(pk=conversation.pk)
    return conversation_payload(fresh)


def _last_text() -> Subquery:
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id").values("text")[:1]
    return Subquery(latest)


def console_summary(conversation: Conversation) -> ConversationPayload:
    row = Conversation.objects.select_related("assigned_agent").annotate(last_text=_last_text()).get(pk=conversation.pk)
    return conversation_payload(row, last_message=(row.last_text or "")[:PREVIEW_CHARS])


def console_queue() -> list[ConversationPayload]:
    """Waiting conversations first (longest wait first), then those agents have."""
    rows = (
        Conversation.objects.filter(status__in=QUEUE_STATUSES)
        .select_related("assigned_agent")
        .annotate(last_text=_last_text())
        .annotate(waiting_first=Case(When(status=Conversation.Status.WAITING_FOR_AGENT, then=Value(0)),
                                     default=Value(1), output_field=IntegerField()))
        .order_by("waiting_first", "escalated_at", "created_at")[:QUEUE_LIMIT]
    )
    return [conversation_payload(r, last_message=(r.last_text or "")[:PREVIEW_CHARS]) for r in rows]
