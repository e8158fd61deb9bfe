"""Customer messages: store one, let the bot answer it (or hand the conversation to a person), and
publish what changed to the sockets, whichever door (socket, REST) it came through."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.bot.pipeline import Decision, HandoffReason, Turn, handoff_text, pipeline_load
from conversations.bot.scrubber import ReplyScrubber
from conversations.errors import ConversationClosed, InvalidMessage
from conversations.events import MessagePayload, console_event, message_event, message_payload, publish_on_commit, status_event
from conversations.models import Conversation, Intent, Message
from conversations.pii_engine import pii_spans
from conversations.privacy import anonymize_text, published_text_checker
from conversations.selectors import PREVIEW_CHARS, QUEUE_STATUSES, offline_handoff

logger = logging.getLogger(__name__)
# Who is answering a customer message (Message.answering_by): this process, told apart from a restarted one.
PROCESS_TOKEN = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
_answering_here: set[int] = set()  # messages a thread of this process is answering now

HISTORY_TURNS = 6
Status = Conversation.Status
Role = Message.Role


@dataclass(frozen=True)
class Exchange:
    """A customer message, what answered it (None while an agent has the conversation), and the
    conversation's status afterwards. ``reply_payload`` is the reply as the sockets receive it, built
    once in the thread that stored it, so a socket's event loop sends it without a query."""

    message: Message
    reply: Message | None
    created: bool
    status: str
    reply_payload: MessagePayload | None = None
    answered_now: bool = False  # a resent message whose first answer never came, answered by this call


def _storable(text: str) -> bool:
    """PostgreSQL text holds neither NUL characters nor unpaired surrogates (JSON can carry both)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def message_text_clean(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidMessage("Message text must be a string.")
    if not _storable(text):
        raise InvalidMessage("Message text must not contain NUL characters or unpaired surrogates.")
    text = text.strip()
    if not text:
        raise InvalidMessage("Message text must not be empty.")
    limit = settings.CHAT_MAX_MESSAGE_CHARS
    if len(text) > limit:
        raise InvalidMessage(f"Message text is {len(text)} characters long; the limit is {limit}.", code="message_too_long")
    return text


def _client_id_clean(client_message_id: str | None) -> str | None:
    if client_message_id is None or client_message_id == "":
        return None
    if not isinstance(client_message_id, str) or len(client_message_id) > 64 or not _storable(client_message_id):
        raise InvalidMessage("client_message_id must be a string of at most 64 characters.")
    return client_message_id


def _existing_exchange(conversation: Conversation, client_message_id: str, *, on_token: Callable[[str], None] | None = None,
                       sender: str | None = None) -> Exchange:
    """A message sent again: its stored reply; or, when its answer never came (the process answering it
    died, or the database dropped before the reply was stored), the answer now. A first answer still
    in progress elsewhere is not started twice: the resend is only acknowledged, the reply follows as an event."""
    message = Message.objects.get(conversation=conversation, client_message_id=client_message_id)
    deadline = time.monotonic() + settings.CHAT_ANSWER_LEASE_S + 1
    while True:
        reply = message.replies.select_related("intent", "author").order_by("id").first()
        status = Conversation.objects.values_list("status", flat=True).get(pk=conversation.pk)
        if reply is None and status == Status.WITH_BOT and _answer_claim(message):
            return _answer_and_publish(conversation, message, before=status, on_token=on_token, sender=sender, created=False)
        if reply is not None or status != Status.WITH_BOT or message.answering_since is None or time.monotonic() > deadline:
            break
        # Another thread or process is answering it: wait for its reply, or for its lease to run out (it died).
        time.sleep(0.5)
        message.refresh_from_db(fields=["answering_since", "answering_by"])
    return Exchange(message=message, reply=reply, created=False, status=status,
                    reply_payload=message_payload(reply) if reply else None)


def message_unanswered(*, conversation: Conversation) -> Message | None:
    """The conversation's last message, when it is a customer's that the bot began answering and no reply
    was stored (its web process died, or the database dropped): a socket that (re)connects has it answered."""
    last = conversation.messages.order_by("-id").first()
    if last is None or last.role != Role.CUSTOMER or last.answering_since is None or not last.client_message_id:
        return None
    if Conversation.objects.filter(pk=conversation.pk, status=Status.WITH_BOT).exists():
        return last
    return None


def _answer_claim(message: Message) -> bool:
    """Take over answering ``message`` if nobody is: no marker and nothing said after it (stored before
    markers existed), a marker whose lease ran out, or this process's own marker on an attempt that
    ended without a reply. Compare-and-set, so two resends never both answer."""
    if message.answering_since is None:
        if message.conversation.messages.filter(id__gt=message.id).exists():
            return False  # answered otherwise, or stored while people had the conversation
    elif message.answering_by == PROCESS_TOKEN:
        if message.pk in _answering_here:
            return False
    elif message.answering_since > timezone.now() - timedelta(seconds=settings.CHAT_ANSWER_LEASE_S):
        return False
    taken = Message.objects.filter(pk=message.pk, answering_since=message.answering_since, answering_by=message.answering_by,
                                   replies__isnull=True).update(answering_since=timezone.now(), answering_by=PROCESS_TOKEN)
    return taken == 1


def customer_message_receive(
    *,
    conversation: Conversation,
    text: object,
    client_message_id: str | None = None,
    on_token: Callable[[str], None] | None = None,
    sender: str | None = None,
) -> Exchange:
    """Store a customer message and answer it once, even if it is sent again with the same id.

    The reply streams through ``on_token`` as it is generated; ``sender`` (the socket that streams
    it) is not sent the message and the reply again. Every other socket of the conversation, and the
    agent console, hear both once the change commits.
    """
    clean = message_text_clean(text)
    client_id = _client_id_clean(client_message_id)
    if client_id and Message.objects.filter(conversation=conversation, client_message_id=client_id).exists():
        return _existing_exchange(conversation, client_id, on_token=on_token, sender=sender)
    conversation.refresh_from_db(fields=["status"])
    if conversation.status == Status.CLOSED:
        raise ConversationClosed("This conversation is closed; start a new one.")
    before = conversation.status
    try:
        with transaction.atomic():
            # With the bot, the message is stored marked as being answered by this process (see _answer_claim).
            marker = {"answering_since": timezone.now(), "answering_by": PROCESS_TOKEN} if before == Status.WITH_BOT else {}
            message = Message.objects.create(
                conversation=conversation, role=Role.CUSTOMER, text=anonymize_text(clean, conversation=conversation), client_message_id=client_id,
                **marker,
            )
    except IntegrityError:
        # The same client id raced in from another connection: answer with the first copy.
        return _existing_exchange(conversation, client_id or "", on_token=on_token, sender=sender)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    return _answer_and_publish(conversation, message, before=before, on_token=on_token, sender=sender, created=True)


def _answer_and_publish(conversation: Conversation, message: Message, *, before: str, on_token: Callable[[str], None] | None,
                        sender: str | None, created: bool) -> Exchange:
    if before == Status.WITH_BOT:
        _answering_here.add(message.pk)
        try:
            reply = _bot_answer(conversation, message, on_token)
        finally:
            _answering_here.discard(message.pk)
    else:
        reply = None
    # As stored now: an agent may have joined while the bot was answering.
    conversation.refresh_from_db(fields=["status", "assigned_agent", "escalated_at", "rating", "updated_at"])
    reply_payload = message_payload(reply) if reply else None
    events = [message_event(conversation, message, sender)] + ([message_event(conversation, reply_payload, sender)] if reply_payload else [])
    if conversation.status != before and conversation.status == Status.WAITING_FOR_AGENT:
        events.append(status_event(conversation, "handed_off"))
    if conversation.status in QUEUE_STATUSES or conversation.status != before:
        events.append(console_event(conversation, last_message=(reply or message).text[:PREVIEW_CHARS]))
    publish_on_commit(events)
    return Exchange(message=message, reply=reply, created=created, status=conversation.status, reply_payload=reply_payload,
                    answered_now=not created and reply is not None)


def conversation_request_human(*, conversation: Conversation) -> Message | None:
    """The customer asked for a person. Returns the system message, or None if already with people."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == Status.CLOSED:
            raise ConversationClosed("This conversation is closed; start a new one.")
        if locked.status != Status.WITH_BOT:
            return None
        notice = _handoff(locked, reply_to=None, reason=HandoffReason.CUSTOMER_REQUEST)
        publish_on_commit([message_event(locked, notice), status_event(locked, "handed_off"),
                           console_event(locked, last_message=notice.text[:PREVIEW_CHARS])])
    return notice


# --- the bot's turn --------------------------------------------------------------------------------


def _history(conversation: Conversation, before: Message) -> list[Turn]:
    rows = conversation.messages.filter(id__lt=before.id).order_by("-id").values_list("role", "text")[:HISTORY_TURNS]
    return [Turn(role=role, text=text) for role, text in reversed(rows)]


def _bot_answer(conversation: Conversation, message: Message, on_token: Callable[[str], None] | None) -> Message:
    started = time.monotonic()
    try:
        decision = pipeline_load().decide(text=message.text, history=_history(conversation, message), conversation=conversation)
        text = "" if decision.handoff_reason else _collect(decision, on_token, conversation, message=message)
    except Exception:
        logger.exception("Pipeline failed for conversation %s", conversation.public_id)
        decision, text = Decision(handoff_reason=HandoffReason.ERROR), ""
    if not decision.handoff_reason and not text.strip():
        decision.handoff_reason = HandoffReason.ERROR
    classification = decision.classification
    intent = Intent.objects.filter(name=classification.intent).first() if classification and classification.intent else None
    confidence = classification.confidence if classification else None
    latency_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        # The message's row lock makes the reply exactly-once: an answer that outlived its lease finds the other's.
        Message.objects.select_for_update().filter(pk=message.pk).update(answering_since=None, answering_by="")
        first = message.replies.select_related("intent", "author").order_by("id").first()
        if first is not None:
            return first
        if intent is not None or confidence is not None:
            Message.objects.filter(pk=message.pk).update(intent=intent, confidence=confidence)
            message.intent, message.confidence = intent, confidence
        if decision.handoff_reason:
            return _handoff(conversation, reply_to=message, reason=decision.handoff_reason, intent=intent,
                            confidence=confidence, model_versions=decision.model_versions, latency_ms=latency_ms,
                            on_token=on_token, text=decision.handoff_text)
        reply = Message.objects.create(
            # Already anonymized piece by piece as it streamed (bot/scrubber.py).
            conversation=conversation, role=Role.BOT, text=text, reply_to=message, intent=intent,
            confidence=confidence, sources=[s.as_json() for s in decision.sources],
            model_versions=decision.model_versions, latency_ms=latency_ms, answer_tier=decision.tier,
        )
        if decision.handoff_after_reply:
            # The responder said it cannot answer from the knowledge base: a person takes over.
            _escalate(conversation, reason=HandoffReason.UNSUPPORTED_ANSWER)
            Message.objects.filter(pk=reply.pk).update(handoff_reason=HandoffReason.UNSUPPORTED_ANSWER)
            reply.handoff_reason = HandoffReason.UNSUPPORTED_ANSWER
        return reply


def reply_scrubber(*, conversation: Conversation) -> ReplyScrubber:
    """The scrubber of one bot reply (or an agent's draft) in ``conversation``: the published articles read once."""
    is_published = published_text_checker()
    # Privacy is entered from this write, never from the scrubber (docs/architecture.md: one door per file on the path).
    return ReplyScrubber(detect=pii_spans, anonymize=lambda text: anonymize_text(text, conversation=conversation, source="bot"),
                         is_public=lambda text: is_published(text))


def _collect(decision: Decision, on_token: Callable[[str], None] | None, conversation: Conversation,
             message: Message | None = None) -> str:
    renew = time.monotonic() + settings.CHAT_ANSWER_LEASE_S / 3
    scrubber = reply_scrubber(conversation=conversation)
    for chunk in itertools.chain(decision.chunks, [None]):
        safe = scrubber.finish() if chunk is None else scrubber.feed(chunk)
        if safe and on_token is not None:
            on_token(safe)
        if message is not None and time.monotonic() > renew:  # a long reply keeps its lease (see _answer_claim)
            Message.objects.filter(pk=message.pk, answering_by=PROCESS_TOKEN).update(answering_since=timezone.now())
            renew = time.monotonic() + settings.CHAT_ANSWER_LEASE_S / 3
    return scrubber.text


def _escalate(conversation: Conversation, *, reason: HandoffReason) -> None:
    now = timezone.now()
    # No agent online, or outside business hours: flagged in the queue; the customer is told when to expect a reply.
    offline = offline_handoff(now=now) is not None
    Conversation.objects.filter(pk=conversation.pk).update(
        status=Status.WAITING_FOR_AGENT, escalated_at=now, updated_at=now, handoff_reason=reason, offline_handoff=offline)
    conversation.status, conversation.escalated_at, conversation.updated_at = Status.WAITING_FOR_AGENT, now, now
    conversation.handoff_reason, conversation.offline_handoff = reason, offline


def _handoff(conversation: Conversation, *, reply_to: Message | None, reason: HandoffReason,
             on_token: Callable[[str], None] | None = None, text: str = "", **fields: object) -> Message:
    _escalate(conversation, reason=reason)
    text = text or handoff_text(reason)
    if on_token is not None:
        on_token(text)
    return Message.objects.create(conversation=conversation, role=Role.SYSTEM, text=text, reply_to=reply_to,
                                  handoff_reason=reason, **fields)
