"""Reads: conversation lists, filters and transcripts, the dashboard figures, and what the sockets
read (socket authentication, history frames, the agent console's queue)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Case, Count, Exists, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from conversations.errors import InvalidMessage
from conversations.events import ConversationPayload, MessagePayload, console_payload, conversation_payload, message_payload
from conversations.models import (
    AgentNote,
    AgentProfile,
    BusinessHours,
    CannedReply,
    Conversation,
    ConversationAssignment,
    ConversationReadMarker,
    DraftSuggestion,
    HandoffReason,
    Message,
    Tag,
)
from conversations.vault import REVEAL_PERM

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
    row = (Conversation.objects.select_related("assigned_agent").prefetch_related("tags").annotate(last_text=_last_text())
           .get(pk=conversation.pk))
    return console_payload(row, last_message=(row.last_text or "")[:PREVIEW_CHARS])


def console_queue() -> list[ConversationPayload]:
    """Waiting conversations first (longest wait first), then those agents have."""
    rows = (
        Conversation.objects.filter(status__in=QUEUE_STATUSES)
        .select_related("assigned_agent")
        .prefetch_related("tags")
        .annotate(last_text=_last_text())
        .annotate(waiting_first=Case(When(status=Conversation.Status.WAITING_FOR_AGENT, then=Value(0)),
                                     default=Value(1), output_field=IntegerField()))
        .order_by("waiting_first", "escalated_at", "created_at")[:QUEUE_LIMIT]
    )
    return [console_payload(r, last_message=(r.last_text or "")[:PREVIEW_CHARS]) for r in rows]


# --- the hand-off summary at the top of a conversation in the console (docs/agent-workspace.md) ----------

SUMMARY_SENTENCES = 2
SUMMARY_SCAN_MESSAGES = 50
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z0-9']+")
# Words that say what someone wants; a sentence holding one is likely the request itself.
_REQUEST_CUES = frozenset({
    "want", "need", "how", "why", "when", "where", "what", "can", "could", "would", "please", "help", "cannot", "can't",
    "won't", "didn't", "doesn't", "isn't", "not", "still", "never", "charged", "lost", "stolen", "blocked", "wrong",
})
_FILLER = frozenset({"hi", "hello", "hey", "thanks", "thank", "you", "ok", "okay", "yes", "no", "bye", "cheers", "morning"})
_STOP = frozenset({"the", "a", "an", "i", "my", "me", "to", "of", "and", "is", "it", "in", "on", "for", "was", "be", "do",
                   "this", "that", "with", "have", "has", "are", "you", "your", "at", "so", "but", "or", "am", "there"})


@dataclass(frozen=True)
class ProvidedValue:
    """A personal value the customer gave, as the console may show it: its kind and placeholder only."""

    entry_id: int
    entity_type: str
    placeholder: str
    purged: bool


@dataclass(frozen=True)
class HandoffSummary:
    wants: list[str]  # one or two sentences, verbatim from the customer's own (stored, anonymized) messages
    intent: str | None
    confidence: float | None
    articles: list[dict]  # what the bot showed: [{id, title, url}], first shown first
    handoff_reason: str
    handoff_reason_label: str
    handoff_at: str | None
    provided: list[ProvidedValue]
    may_reveal: bool  # the viewer holds conversations.reveal_pii (the vault's audited reveal)

    def as_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["provided"] = [dataclasses.asdict(p) for p in self.provided]
        return data


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _words(text: str) -> list[str]:
    return _WORD.findall(re.sub(r"<[A-Z_]+_\d+>", " ", text.lower()))


def summary_sentences(texts: list[str], *, limit: int = SUMMARY_SENTENCES) -> list[str]:
    """The customer's sentences that best say what they want, verbatim, in the order they wrote them.

    Extractive and deterministic: each sentence is scored by how much of the rest of what the customer
    wrote it shares (its content words' frequency across their messages: the topic they keep coming back
    to), plus a cue for requests and questions; greetings and thanks alone score nothing."""
    candidates = [(i, s) for i, s in enumerate(s for text in texts for s in _sentences(text))]
    frequency: dict[str, int] = {}
    for _, sentence in candidates:
        for word in set(_words(sentence)) - _STOP - _FILLER:
            frequency[word] = frequency.get(word, 0) + 1
    scored = []
    for i, sentence in candidates:
        words = _words(sentence)
        content = [w for w in words if w not in _STOP and w not in _FILLER]
        if not content:
            continue
        score = sum(frequency[w] for w in set(content)) / (len(set(content)) ** 0.5)
        score += 1.5 * bool(set(words) & _REQUEST_CUES) + 1.0 * sentence.endswith("?") + 0.1 * min(len(content), 10)
        scored.append((score, i, sentence))
    best = sorted(scored, key=lambda row: (-row[0], row[1]))[:limit]
    return [sentence for _, _, sentence in sorted(best, key=lambda row: row[1])]


def handoff_summary(conversation: Conversation, *, viewer: object | None = None) -> HandoffSummary:
    """What an agent reads first when a conversation reaches them (console panel and REST)."""
    messages = list(conversation.messages.select_related("intent").order_by("id")[:SUMMARY_SCAN_MESSAGES])
    customer = [m for m in messages if m.role == Message.Role.CUSTOMER]
    handoff = next((m for m in reversed(messages) if m.handoff_reason), None)
    asked = handoff.reply_to if handoff is not None and handoff.reply_to_id else None
    classified = asked if asked is not None and asked.intent_id else next((m for m in reversed(customer) if m.intent_id), None)
    articles: dict[int, dict] = {}
    for m in messages:
        if m.role == Message.Role.BOT:
            for source in m.sources or []:
                articles.setdefault(source["id"], {"id": source["id"], "title": source["title"], "url": source.get("url", "")})
    reason = conversation.handoff_reason or (handoff.handoff_reason if handoff else "")
    entries = conversation.pii_entries.order_by("id").values_list("id", "entity_type", "placeholder", "purged_at")
    has_perm = getattr(viewer, "has_perm", None)
    return HandoffSummary(
        wants=summary_sentences([m.text for m in customer]),
        intent=classified.intent.name if classified is not None else None,
        confidence=classified.confidence if classified is not None else None,
        articles=list(articles.values()),
        handoff_reason=reason,
        handoff_reason_label=str(HandoffReason(reason).label) if reason in HandoffReason.values else "",
        handoff_at=conversation.escalated_at.isoformat() if conversation.escalated_at else None,
        provided=[ProvidedValue(entry_id=i, entity_type=t, placeholder=p, purged=purged is not None) for i, t, p, purged in entries],
        may_reveal=bool(has_perm and has_perm(REVEAL_PERM)),
    )


# --- the unanswered questions (the content-gaps report reads them; training/insights/) ---------------------

# The hand-off reasons that mean the bot had no answer to give (not: the customer asked for a person, no model, an error).
UNANSWERED_REASONS = (HandoffReason.NOTHING_RELEVANT, HandoffReason.UNSUPPORTED_ANSWER, HandoffReason.LOW_CONFIDENCE,
                      HandoffReason.OUT_OF_SCOPE,
                      # A customer question of an imported transcript that nobody answered (connectors/transcripts.py).
                      HandoffReason.UNANSWERED)


@dataclass(frozen=True)
class UnansweredQuestion:
    message_id: int
    conversation: str  # public id
    text: str  # as stored: anonymized
    reason: str
    created_at: dt.datetime


def unanswered_questions(*, since: dt.datetime, until: dt.datetime, limit: int) -> list[UnansweredQuestion]:
    """Customer messages in [since, until) the bot handed off for want of an answer, newest first."""
    rows = Message.objects.filter(
        role__in=(Message.Role.SYSTEM, Message.Role.BOT), handoff_reason__in=UNANSWERED_REASONS, reply_to__role=Message.Role.CUSTOMER,
        reply_to__created_at__gte=since, reply_to__created_at__lt=until,
    ).values_list("reply_to_id", "handoff_reason")
    reasons = dict(rows)
    questions = (Message.objects.filter(pk__in=reasons).select_related("conversation").order_by("-created_at", "-id")[:limit])
    return [UnansweredQuestion(message_id=m.pk, conversation=str(m.conversation.public_id), text=m.text,
                               reason=reasons[m.pk], created_at=m.created_at) for m in questions]


# --- the agent workspace: business hours, who is online, canned replies, the CSAT report (docs/agent-workspace.md) --

# An agent counts as online when they said so and their console was seen this recently (it reports every minute).
AGENT_SEEN_WINDOW = dt.timedelta(minutes=3)
CANNED_VARIABLES = ("agent.first_name", "conversation.id", "business.hours")
_CANNED_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# Until staff set their own: weekdays 09:00-17:00 in the model's default time zone.
DEFAULT_OPENING_HOURS = tuple((day, dt.time(9), dt.time(17)) for day in range(5))


@dataclass(frozen=True)
class Hours:
    time_zone: str
    opening: tuple[tuple[int, dt.time, dt.time], ...]  # (weekday 0=Monday, opens, closes), local time


def business_hours() -> Hours:
    """The business's hours as stored, or the defaults before staff saved any."""
    row = BusinessHours.objects.prefetch_related("opening_hours").order_by("id").first()
    if row is None:
        return Hours(time_zone=BusinessHours._meta.get_field("time_zone").default, opening=DEFAULT_OPENING_HOURS)
    return Hours(time_zone=row.time_zone, opening=tuple((o.weekday, o.opens, o.closes) for o in row.opening_hours.all()))


def _zone(name: str) -> dt.tzinfo:
    return ZoneInfo(name)


def _slots(hours: Hours, now: dt.datetime, days: int = 8) -> list[tuple[dt.datetime, dt.datetime]]:
    """The opening slots from today (in the business's zone) for ``days`` days, earliest first."""
    zone = _zone(hours.time_zone)
    today = now.astimezone(zone).date()
    slots = []
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        for weekday, opens, closes in hours.opening:
            if weekday == day.weekday():
                slots.append((dt.datetime.combine(day, opens, tzinfo=zone), dt.datetime.combine(day, closes, tzinfo=zone)))
    return sorted(slots)


@dataclass(frozen=True)
class Opening:
    open_now: bool
    closes_at: dt.datetime | None  # when open now
    next_opening: dt.datetime | None  # when closed now; None when the business never opens


def business_opening(*, now: dt.datetime | None = None, hours: Hours | None = None) -> Opening:
    now, hours = now or timezone.now(), hours or business_hours()
    for start, end in _slots(hours, now):
        if start <= now < end:
            return Opening(open_now=True, closes_at=end, next_opening=None)
        if start > now:
            return Opening(open_now=False, closes_at=None, next_opening=start)
    return Opening(open_now=False, closes_at=None, next_opening=None)


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def business_hours_text(hours: Hours | None = None) -> str:
    """The hours as people read them, consecutive days with the same hours folded: "Mon-Fri 09:00-17:00 (Europe/London)"."""
    hours = hours or business_hours()
    per_day = [", ".join(f"{o:%H:%M}-{c:%H:%M}" for d, o, c in sorted(hours.opening) if d == day) for day in range(7)]
    runs: list[list[int]] = []
    for day in range(7):
        if per_day[day] and runs and runs[-1][-1] == day - 1 and per_day[runs[-1][0]] == per_day[day]:
            runs[-1].append(day)
        elif per_day[day]:
            runs.append([day])
    if not runs:
        return "No opening hours are set"
    parts = [(_DAY_NAMES[r[0]] if len(r) == 1 else f"{_DAY_NAMES[r[0]]}-{_DAY_NAMES[r[-1]]}") + f" {per_day[r[0]]}" for r in runs]
    return f"{'; '.join(parts)} ({hours.time_zone})"


def agents_online(*, now: dt.datetime | None = None) -> QuerySet[AgentProfile]:
    """Agents who set themselves online and whose console was seen within AGENT_SEEN_WINDOW."""
    now = now or timezone.now()
    return AgentProfile.objects.filter(availability=AgentProfile.Availability.ONLINE, last_seen_at__gte=now - AGENT_SEEN_WINDOW,
                                       user__is_active=True).select_related("user")


def agents_who_answer() -> QuerySet:
    """Active users holding the agents' reply permission (through a group, their own, or as superusers), in one query."""
    app_label, codename = "conversations", "reply_conversation"
    holds = Q(groups__permissions__content_type__app_label=app_label, groups__permissions__codename=codename) | Q(
        user_permissions__content_type__app_label=app_label, user_permissions__codename=codename) | Q(is_superuser=True)
    return get_user_model().objects.filter(holds, is_active=True).distinct().order_by("username")


def agent_availability(user: object) -> str:
    profile = AgentProfile.objects.filter(user=user).values_list("availability", flat=True).first()
    return profile or AgentProfile.Availability.AWAY


@dataclass(frozen=True)
class OfflineHandoff:
    """Why a hand-off cannot be answered now, and when a reply can be expected."""

    reason: str  # "closed" (outside opening hours) or "no_agent" (open, but no agent online)
    expected_at: dt.datetime | None  # the next opening, in the business's time zone; None: as soon as someone is online
    message: str


def offline_handoff(*, now: dt.datetime | None = None) -> OfflineHandoff | None:
    """None when an agent is online during opening hours; otherwise what the customer is told."""
    now = now or timezone.now()
    hours = business_hours()
    opening = business_opening(now=now, hours=hours)
    if opening.open_now and agents_online(now=now).exists():
        return None
    leave = "You can leave your e-mail address and we will answer you there."
    if opening.open_now:
        return OfflineHandoff(reason="no_agent", expected_at=None,
                              message=f"No one from our team is online right now; we will reply as soon as someone is. {leave}")
    if opening.next_opening is None:
        return OfflineHandoff(reason="closed", expected_at=None, message=f"Our team is not available right now. {leave}")
    when = opening.next_opening
    day = "today" if when.date() == now.astimezone(when.tzinfo).date() else f"on {when:%A %-d %B}"
    return OfflineHandoff(reason="closed", expected_at=when,
                          message=f"Our team is away right now; you can expect a reply {day} from {when:%H:%M} ({hours.time_zone}). {leave}")


# --- canned replies ---


def canned_variables(text: str) -> list[str]:
    return [m.group(1) for m in _CANNED_VARIABLE.finditer(text)]


def canned_reply_render(text: str, *, agent: object, conversation: Conversation) -> str:
    """A canned reply with its variables filled for this agent and conversation."""
    values = {
        "agent.first_name": getattr(agent, "first_name", "") or agent.get_username(),  # type: ignore[attr-defined]
        "conversation.id": conversation.public_id.hex[:8],
        "business.hours": business_hours_text() if "business.hours" in canned_variables(text) else "",
    }
    return _CANNED_VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def canned_replies(*, search: str = "") -> QuerySet[CannedReply]:
    rows = CannedReply.objects.order_by("shortcut")
    if search:
        rows = rows.filter(Q(shortcut__icontains=search) | Q(title__icontains=search))
    return rows


# --- notes, tags, assignment ---


def conversation_notes(conversation: Conversation) -> QuerySet[AgentNote]:
    """Private notes, for agents only: never part of the transcript, history frames or customer answers."""
    return conversation.notes.select_related("author").order_by("created_at", "id")


def conversation_tags(conversation: Conversation) -> list[str]:
    return list(conversation.tags.order_by("name").values_list("name", flat=True))


def conversation_transfers(conversation: Conversation) -> QuerySet[ConversationAssignment]:
    return conversation.assignments.select_related("from_agent", "to_agent", "by").order_by("created_at", "id")


def tag_counts(*, since: dt.datetime | None = None) -> list[tuple[str, int]]:
    """Conversations per tag (created since ``since``, when given), most used first."""
    conversations = Q(conversations__created_at__gte=since) if since else Q()
    rows = Tag.objects.annotate(n=Count("conversations", filter=conversations)).filter(n__gt=0).order_by("-n", "name")
    return list(rows.values_list("name", "n"))


QUEUES = ("mine", "unassigned", "all")


def conversations_in_queue(queryset: QuerySet[Conversation], queue: str, *, user: object) -> QuerySet[Conversation]:
    """The console's queues: "mine" (assigned to ``user``), "unassigned" (waiting, no agent), "all"."""
    if queue == "mine":
        return queryset.filter(assigned_agent=user)
    if queue == "unassigned":
        return queryset.filter(assigned_agent__isnull=True, status=Conversation.Status.WAITING_FOR_AGENT)
    return queryset


# --- the CSAT report ---


@dataclass(frozen=True)
class CsatFigure:
    count: int
    average: float | None


@dataclass(frozen=True)
class CsatReport:
    since: dt.date
    until: dt.date  # inclusive
    bot_only: CsatFigure
    with_agent: CsatFigure
    per_agent: list[tuple[str, CsatFigure]]  # (agent's user name, figure), most ratings first
    comments: list[dict]  # the latest comments of the period (anonymized as stored): {conversation, rating, comment, rated_at}

    def as_json(self) -> dict:
        return {"from": self.since.isoformat(), "to": self.until.isoformat(),
                "bot_only": dataclasses.asdict(self.bot_only), "with_agent": dataclasses.asdict(self.with_agent),
                "per_agent": [{"agent": name, **dataclasses.asdict(figure)} for name, figure in self.per_agent],
                "comments": [{**c, "rated_at": c["rated_at"].isoformat() if c["rated_at"] else None} for c in self.comments]}


CSAT_DEFAULT_DAYS = 30
CSAT_MAX_DAYS = 366
CSAT_COMMENTS = 20


def csat_period(since: object, until: object, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The report's period from ``from`` / ``to`` (YYYY-MM-DD, both optional, ``to`` inclusive); a bad one is refused."""
    today = today or timezone.localdate()

    def parse(value: object, name: str, default: dt.date) -> dt.date:
        if value in (None, ""):
            return default
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidMessage(f"'{name}' must be a date written YYYY-MM-DD, not {str(value)[:40]!r}.", code="invalid_period") from None

    end = parse(until, "to", today)
    start = parse(since, "from", end - dt.timedelta(days=CSAT_DEFAULT_DAYS - 1))
    if start > end:
        raise InvalidMessage("'from' must not be after 'to'.", code="invalid_period")
    if (end - start).days >= CSAT_MAX_DAYS:
        raise InvalidMessage(f"The period may span at most {CSAT_MAX_DAYS} days.", code="invalid_period")
    return start, end


def _figure(rows: QuerySet[Conversation]) -> CsatFigure:
    totals = rows.aggregate(n=Count("id"), average=Avg("rating"))
    return CsatFigure(count=totals["n"], average=round(totals["average"], 2) if totals["average"] is not None else None)


def csat_report(*, since: dt.date, until: dt.date) -> CsatReport:
    """Ratings given in the period (by when they were given; ratings older than the comment field, by creation):
    conversations no agent wrote in, those an agent did, and per agent (the last agent who wrote)."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    agent_messages = Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.AGENT)
    last_agent = agent_messages.filter(author__isnull=False).order_by("-created_at", "-id").values("author__username")[:1]
    rated = (Conversation.objects.filter(rating__isnull=False)
             .annotate(rated_on=Coalesce("rated_at", "created_at"), with_agent=Exists(agent_messages), last_agent=Subquery(last_agent))
             .filter(rated_on__gte=start, rated_on__lt=end))
    per_agent = (rated.filter(with_agent=True, last_agent__isnull=False).values("last_agent")
                 .annotate(n=Count("id"), average=Avg("rating")).order_by("-n", "last_agent"))
    return CsatReport(
        since=since, until=until, bot_only=_figure(rated.filter(with_agent=False)), with_agent=_figure(rated.filter(with_agent=True)),
        per_agent=[(row["last_agent"], CsatFigure(count=row["n"], average=round(row["average"], 2))) for row in per_agent],
        comments=[{"conversation": str(c["public_id"]), "rating": c["rating"], "comment": c["rating_comment"], "rated_at": c["rated_on"]}
                  for c in rated.exclude(rating_comment="").order_by("-rated_on", "-id")
                  .values("public_id", "rating", "rating_comment", "rated_on")[:CSAT_COMMENTS]],
    )


# --- unread counters and notification preferences of the agent console -------------------------------------


def unread_counts(agent: object, public_ids: list[str] | None = None) -> dict[str, dict]:
    """For each queued conversation (or those named): the customer messages after the agent's read marker,
    whether the agent has it ("mine") and whether it waits for anyone ("waiting"), by public id. The console
    counts the unread of its own and the waiting ones in the tab title."""
    marker = ConversationReadMarker.objects.filter(agent=agent, conversation=OuterRef("pk")).values("last_read_message_id")[:1]
    rows = Conversation.objects.filter(status__in=QUEUE_STATUSES) if public_ids is None else Conversation.objects.filter(
        public_id__in=[p for p in public_ids if _is_uuid(p)])
    rows = rows.annotate(read_to=Coalesce(Subquery(marker), Value(0))).annotate(
        unread=Count("messages", filter=Q(messages__role=Message.Role.CUSTOMER, messages__id__gt=F("read_to")))
    ).values_list("public_id", "unread", "assigned_agent_id", "status")
    return {str(p): {"unread": n, "mine": assigned == getattr(agent, "pk", None), "waiting": status == Conversation.Status.WAITING_FOR_AGENT}
            for p, n, assigned, status in rows}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def notification_preferences(agent: object) -> dict[str, bool]:
    row = AgentProfile.objects.filter(user=agent).values("notify_desktop", "notify_sound").first()
    return {"desktop": bool(row and row["notify_desktop"]), "sound": bool(row and row["notify_sound"])}


# --- the copilot's drafts: what agents did with them, per model version (admin) -----------------------------


@dataclass(frozen=True)
class DraftRates:
    """Outcomes of the settled drafts written by one set of model versions and one answer tier."""

    models: str  # e.g. "intent v3, retrieval_index v2, responder v1 (generative)"
    drafts: int
    sent_unchanged: int
    edited: int
    discarded: int
    pending: int

    def rate(self, outcome: str) -> float | None:
        settled = self.sent_unchanged + self.edited + self.discarded
        return getattr(self, outcome) / settled if settled else None


def draft_outcome_rates() -> list[DraftRates]:
    """Per model-version combination, newest versions first: how many drafts were sent unchanged, edited or discarded."""
    counts: dict[str, dict[str, int]] = {}
    rows = DraftSuggestion.objects.values("model_versions", "answer_tier", "outcome").annotate(n=Count("id"))
    for row in rows:
        versions = ", ".join(f"{kind} v{v}" for kind, v in sorted((row["model_versions"] or {}).items()))
        key = f"{versions or 'no model'} ({row['answer_tier'] or 'no tier'})"
        counts.setdefault(key, {}).setdefault(row["outcome"], 0)
        counts[key][row["outcome"]] += row["n"]
    out = [DraftRates(models=key, drafts=sum(c.values()), sent_unchanged=c.get("sent_unchanged", 0), edited=c.get("edited", 0),
                      discarded=c.get("discarded", 0), pending=c.get("pending", 0)) for key, c in counts.items()]
    return sorted(out, key=lambda r: r.models, reverse=True)
