"""A conversation's own record: start one, rate it, revoke its customer's token, correct an intent."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from conversations.errors import InvalidMessage
from conversations.events import console_event, created_event, publish_on_commit, rated_event, revoked_event
from conversations.models import Conversation, Intent, Message, TrainingExample
from conversations.privacy import anonymize_text
from conversations.selectors import conversation_current, last_message_text

Role = Message.Role


def conversation_create(*, channel: str = Conversation.Channel.WIDGET) -> Conversation:
    conversation = Conversation.objects.create(channel=channel)
    # Heard by event_published's receivers (webhooks); no socket has joined the conversation yet.
    publish_on_commit([created_event(conversation)])
    return conversation


RATING_COMMENT_MAX_CHARS = 1000


def _rating_comment_clean(comment: object) -> str | None:
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise InvalidMessage("A rating's comment must be text.", code="invalid_rating_comment")
    clean = comment.strip()
    if len(clean) > RATING_COMMENT_MAX_CHARS:
        raise InvalidMessage(f"A rating's comment is at most {RATING_COMMENT_MAX_CHARS} characters; this one is {len(clean)}.",
                             code="invalid_rating_comment")
    if "\x00" in clean or clean.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace") != clean:
        raise InvalidMessage("A rating's comment must not contain NUL characters or unpaired surrogates.", code="invalid_rating_comment")
    return clean


def conversation_rate(*, conversation: Conversation, rating: object, sender: str | None = None,
                      comment: object = None) -> Conversation:
    """The customer's 1-5 rating and optional comment (anonymized; None keeps the one given before);
    ``sender`` (the socket it came from, which answers it itself) is not told again."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidMessage("Rating must be a whole number from 1 to 5.", code="invalid_rating")
    clean_comment = _rating_comment_clean(comment)
    with transaction.atomic():
        now = timezone.now()
        fields: dict[str, object] = {"rating": rating, "rated_at": now, "updated_at": now}
        if clean_comment is not None:
            fields["rating_comment"] = anonymize_text(clean_comment, conversation=conversation) if clean_comment else ""
        Conversation.objects.filter(pk=conversation.pk).update(**fields)
        conversation.rating = rating
        current = conversation_current(conversation)
        publish_on_commit([rated_event(current, sender), console_event(current, last_message=last_message_text(current))])
    return conversation


def conversation_token_revoke(*, conversation: Conversation) -> Conversation:
    """Stop the customer's access token from working (leaked, or left on a shared computer).

    The conversation and its transcript stay for agents and staff; the customer's REST calls
    answer 401 and their open sockets are closed. Closing a conversation does not revoke its
    token: the customer may still read and rate it.
    """
    with transaction.atomic():
        conversation.access_token = Conversation._meta.get_field("access_token").get_default()
        conversation.save(update_fields=["access_token", "updated_at"])
        current = conversation_current(conversation)
        publish_on_commit([revoked_event(current), console_event(current, last_message=last_message_text(current))])
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
