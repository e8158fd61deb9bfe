"""Reads: conversation lists, filters and transcripts, the dashboard figures, and what the sockets
read (socket authentication, history frames, the agent console's queue)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Case, Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from conversations.events import ConversationPayload, MessagePayload, conversation_payload, message_payload
from conversations.models import Conversation, Message

# Confidence bands used by the admin filter and the API: (label, lower bound inclusive, upper bound exclusive).
CONFIDENCE_BANDS: dict[str, tuple[float, float]] = {"low": (0.0, 0.5), "medium": (0.5, 0.8), "high": (0.8, 1.01)}


def conversation_list() -> QuerySet[Conversation]:
    return (
        Conversation.objects.select_related("assigned_agent")
        .annotate(
            # distinct: the intent and text filters join messages again, which would multiply the rows counted.
            message_count=Count("messages", distinct=True),
            min_confidence=Min("messages__confidence", filter=Q(messages__role=Message.Role.CUSTOMER)),
        )
        .order_by("-created_at")
    )


def conversations_in_band(queryset: QuerySet[Conversation], band: str) -> QuerySet[Conversation]:
    """Conversations whose least confident classified customer message falls in the band."""
    low, high = CONFIDENCE_BANDS[band]
    return queryset.filter(min_confidence__gte=low, min_confidence__lt=high)


def conversations_with_intent(queryset: QuerySet[Conversation], intent_name: str) -> QuerySet[Conversation]:
    return queryset.filter(messages__intent__name=intent_name).distinct()


def conversations_matching(queryset: QuerySet[Conversation], text: str) -> QuerySet[Conversation]:
    return queryset.filter(messages__text__icontains=text).distinct()


def transcript(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("intent", "author").order_by("created_at", "id")


@dataclass(frozen=True)
class Dashboard:
    days: list[tuple[dt.date, int]]
    total: int
    closed: int
    containment: float | None
    escalation_rate: float | None
    average_rating: float | None
    rated: int
    top_intents: list[tuple[str, int]]


def dashboard(*, days: int = 14, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    # Whole days in the current time zone, today included, so that the total is the sum of the days.
    first_day = timezone.localdate(now) - dt.timedelta(days=days - 1)
    since = timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))
    recent = Conversation.objects.filter(created_at__gte=since)
    per_day = dict(
        recent.annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("id")).values_list("day", "n")
    )
    series = [(first_day + dt.timedelta(days=i), per_day.get(first_day + dt.timedelta(days=i), 0)) for i in range(days)]
    totals = recent.aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(status=Conversation.Status.CLOSED)),
        contained=Count("id", filter=Q(status=Conversation.Status.CLOSED, escalated_at__isnull=True)),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
        rated=Count("rating"),
        average_rating=Avg("rating"),
    )
    top = (
        Message.objects.filter(conversation__in=recent, role=Message.Role.CUSTOMER, intent__isnull=False)
        .values_list("intent__name")
        .annotate(n=Count("id"))
        .order_by("-n", "intent__name")[:10]
    )
    total, closed = totals["total"], totals["closed"]
    return Dashboard(
        days=series,
        total=total,
        closed=closed,
        containment=totals["contained"] / closed if closed else None,
        escalation_rate=totals["escalated"] / total if total else None,
        average_rating=totals["average_rating"],
        rated=totals["rated"],
        top_intents=list(top),
    )


# --- live chat: the sockets and the agent console ---------------------------------------------------------

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


def conversation_current(conversation: Conversation) -> Conversation:
    """The conversation as stored now, with its assigned agent (another process may have changed it)."""
    return Conversation.objects.select_related("assigned_agent").get(pk=conversation.pk)


def last_message_text(conversation: Conversation) -> str:
    """The start of the conversation's latest message, as the agent console previews it."""
    text = conversation.messages.order_by("-created_at", "-id").values_list("text", flat=True).first()
    return (text or "")[:PREVIEW_CHARS]


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
