"""Writes: conversations, customer messages through the pipeline, agent actions."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.errors import ConversationClosed, InvalidMessage, InvalidTransition
from conversations.models import Conversation, Intent, Message, TrainingExample
from conversations.pipeline import Decision, HandoffReason, Turn, handoff_text, pipeline_load
from conversations.privacy import anonymize_text
from conversations.streaming import ReplyScrubber

logger = logging.getLogger(__name__)

HISTORY_TURNS = 6
Status = Conversation.Status
Role = Message.Role


@dataclass(frozen=True)
class Exchange:
    """A customer message and what answered it (None while an agent has the conversation)."""

    message: Message
    reply: Message | None
    created: bool


def conversation_create(*, channel: str = Conversation.Channel.WIDGET) -> Conversation:
    return Conversation.objects.create(channel=channel)


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


def _existing_exchange(conversation: Conversation, client_message_id: str) -> Exchange:
    message = Message.objects.get(conversation=conversation, client_message_id=client_message_id)
    reply = message.replies.order_by("id").first()
    return Exchange(message=message, reply=reply, created=False)


def customer_message_receive(
    *,
    conversation: Conversation,
    text: object,
    client_message_id: str | None = None,
    on_token: Callable[[str], None] | None = None,
) -> Exchange:
    """Store a customer message and answer it once, even if it is sent again with the same id."""
    clean = message_text_clean(text)
    client_id = _client_id_clean(client_message_id)
    if client_id and Message.objects.filter(conversation=conversation, client_message_id=client_id).exists():
        return _existing_exchange(conversation, client_id)
    conversation.refresh_from_db(fields=["status"])
    if conversation.status == Status.CLOSED:
        raise ConversationClosed("This conversation is closed; start a new one.")
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation, role=Role.CUSTOMER, text=anonymize_text(clean, conversation=conversation), client_message_id=client_id
            )
    except IntegrityError:
        # The same client id raced in from another connection: answer with the first copy.
        return _existing_exchange(conversation, client_id or "")
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    if conversation.status != Status.WITH_BOT:
        return Exchange(message=message, reply=None, created=True)
    return Exchange(message=message, reply=_bot_answer(conversation, message, on_token), created=True)


def _history(conversation: Conversation, before: Message) -> list[Turn]:
    rows = conversation.messages.filter(id__lt=before.id).order_by("-id").values_list("role", "text")[:HISTORY_TURNS]
    return [Turn(role=role, text=text) for role, text in reversed(rows)]


def _bot_answer(conversation: Conversation, message: Message, on_token: Callable[[str], None] | None) -> Message:
    started = time.monotonic()
    try:
        decision = pipeline_load().decide(text=message.text, history=_history(conversation, message))
        text = "" if decision.handoff_reason else _collect(decision, on_token, conversation)
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
        if intent is not None or confidence is not None:
            Message.objects.filter(pk=message.pk).update(intent=intent, confidence=confidence)
            message.intent, message.confidence = intent, confidence
        if decision.handoff_reason:
            return _handoff(conversation, reply_to=message, text=decision.handoff_text, intent=intent,
                            confidence=confidence, model_versions=decision.model_versions, latency_ms=latency_ms,
                            on_token=on_token)
        reply = Message.objects.create(
            # Already anonymized piece by piece as it streamed (conversations/streaming.py).
            conversation=conversation, role=Role.BOT, text=text, reply_to=message, intent=intent,
            confidence=confidence, sources=[s.as_json() for s in decision.sources],
            model_versions=decision.model_versions, latency_ms=latency_ms,
        )
        if decision.handoff_after_reply:
            # The responder said it cannot answer from the knowledge base: a person takes over.
            _escalate(conversation)
        return reply


def _collect(decision: Decision, on_token: Callable[[str], None] | None, conversation: Conversation) -> str:
    scrubber = ReplyScrubber(conversation=conversation)
    for chunk in itertools.chain(decision.chunks, [None]):
        safe = scrubber.finish() if chunk is None else scrubber.feed(chunk)
        if safe and on_token is not None:
            on_token(safe)
    return scrubber.text


def _escalate(conversation: Conversation) -> None:
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(status=Status.WAITING_FOR_AGENT, escalated_at=now, updated_at=now)
    conversation.status, conversation.escalated_at = Status.WAITING_FOR_AGENT, now


def _handoff(conversation: Conversation, *, reply_to: Message | None, text: str, on_token: Callable[[str], None] | None = None, **fields: object) -> Message:
    _escalate(conversation)
    if on_token is not None:
        on_token(text)
    return Message.objects.create(conversation=conversation, role=Role.SYSTEM, text=text, reply_to=reply_to, **fields)


def conversation_request_human(*, conversation: Conversation) -> Message | None:
    """The customer asked for a person. Returns the system message, or None if already with people."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.status == Status.CLOSED:
            raise ConversationClosed("This conversation is closed; start a new one.")
        if conversation.status != Status.WITH_BOT:
            return None
        return _handoff(conversation, reply_to=None, text=handoff_text(HandoffReason.CUSTOMER_REQUEST))


def _transition(conversation: Conversation, *, allowed: set[str], action: str) -> Conversation:
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if locked.status not in allowed:
        raise InvalidTransition(f"Cannot {action} a conversation that is {locked.get_status_display().lower()}.")
    return locked


def conversation_assign(*, conversation: Conversation, agent: AbstractBaseUser) -> Conversation:
    """An agent takes over a conversation (from the queue, or from the bot)."""
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WITH_BOT, Status.WAITING_FOR_AGENT, Status.WITH_AGENT}, action="join")
        locked.status, locked.assigned_agent = Status.WITH_AGENT, agent
        locked.escalated_at = locked.escalated_at or timezone.now()
        locked.save(update_fields=["status", "assigned_agent", "escalated_at", "updated_at"])
        name = agent.get_short_name() or agent.get_username()
        Message.objects.create(conversation=locked, role=Role.SYSTEM, text=f"{name} from our support team has joined the conversation.")
    return locked


def agent_message_post(*, conversation: Conversation, agent: AbstractBaseUser, text: object) -> Message:
    """An agent replies; replying to a waiting conversation assigns it to that agent."""
    clean = message_text_clean(text)
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WAITING_FOR_AGENT, Status.WITH_AGENT, Status.WITH_BOT}, action="reply to")
        if locked.status != Status.WITH_AGENT or locked.assigned_agent_id != agent.pk:
            locked.status, locked.assigned_agent = Status.WITH_AGENT, agent
            locked.escalated_at = locked.escalated_at or timezone.now()
            locked.save(update_fields=["status", "assigned_agent", "escalated_at", "updated_at"])
        return Message.objects.create(conversation=locked, role=Role.AGENT, text=anonymize_text(clean, conversation=locked), author=agent)


def conversation_return_to_bot(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WAITING_FOR_AGENT, Status.WITH_AGENT}, action="return to the bot")
        locked.status, locked.assigned_agent = Status.WITH_BOT, None
        locked.save(update_fields=["status", "assigned_agent", "updated_at"])
        Message.objects.create(conversation=locked, role=Role.SYSTEM, text="You are back with our virtual assistant.")
    return locked


def conversation_close(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WITH_BOT, Status.WAITING_FOR_AGENT, Status.WITH_AGENT}, action="close")
        locked.status, locked.closed_at = Status.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
    return locked


def conversation_token_revoke(*, conversation: Conversation) -> Conversation:
    """Stop the customer's access token from working (leaked, or left on a shared computer).

    The conversation and its transcript stay for agents and staff; the customer's REST calls
    answer 401 and their open sockets are closed (conversations.live). Closing a conversation
    does not revoke its token: the customer may still read and rate it.
    """
    conversation.access_token = Conversation._meta.get_field("access_token").get_default()
    conversation.save(update_fields=["access_token", "updated_at"])
    return conversation


def conversation_rate(*, conversation: Conversation, rating: object) -> Conversation:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidMessage("Rating must be a whole number from 1 to 5.", code="invalid_rating")
    Conversation.objects.filter(pk=conversation.pk).update(rating=rating, updated_at=timezone.now())
    conversation.rating = rating
    return conversation


def message_relabel(*, message: Message, intent: Intent, user: AbstractBaseUser) -> TrainingExample:
    """Correct a customer message's intent; the correction becomes a training example."""
    if message.role != Role.CUSTOMER:
        raise InvalidMessage("Only customer messages carry an intent to correct.", code="not_customer_message")
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(intent=intent)
        message.intent = intent
        example, created = TrainingExample.objects.get_or_create(
            intent=intent, text=message.text,
            defaults={"source": TrainingExample.Source.AGENT_CORRECTION, "message": message, "created_by": user},
        )
        # The same text may have been taught under another intent before: the agent's latest word wins.
        TrainingExample.objects.filter(text=message.text).exclude(pk=example.pk).delete()
    return example
