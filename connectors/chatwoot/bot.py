"""The bot as Chatwoot's agent bot: an incoming Chatwoot message becomes a customer message here (the same
write as the widget's, so the grounded answer tiers and the PII rules are unchanged), and what the bot answers
goes back through Chatwoot's API; a hand-off opens the conversation for Chatwoot's agents.

The webhook's payload (Chatwoot's webhook events page, event ``message_created``): ``event``, ``id``,
``content``, ``message_type`` ("incoming" from the customer), ``private``, ``conversation`` {``id``,
``status``: "pending" while a bot holds it}, ``account`` {``id``}.
"""

from __future__ import annotations

from django.db import transaction

from connectors.chatwoot.client import chatwoot_conversation_open, chatwoot_message_post
from connectors.models import ChatwootConversation, ChatwootDelivery
from conversations.errors import InvalidMessage
from conversations.models import Conversation, Message
from conversations.services.conversations import conversation_create
from conversations.services.messages import Exchange, customer_message_receive

FORWARDED_ROLES = {Message.Role.BOT, Message.Role.AGENT}


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        if isinstance(value, str) and value.isdigit() and int(value) > 0:
            return int(value)
        raise InvalidMessage(f"{name} must be a positive integer.", code="invalid_chatwoot_payload")
    return value


def ignored_reason(payload: dict) -> str | None:
    """Why the bot has nothing to do with this event (None: a customer message it answers)."""
    if payload.get("event") != "message_created":
        return f"event {str(payload.get('event'))[:40]!r} is not message_created"
    if payload.get("message_type") not in ("incoming", 0):
        return "not an incoming message"
    if payload.get("private"):
        return "a private note"
    content = payload.get("content")
    if not isinstance(content, str) or not content.strip():
        return "no text (an attachment or an empty message)"
    conversation = payload.get("conversation")
    if isinstance(conversation, dict) and conversation.get("status") not in (None, "pending"):
        return f"the conversation is {str(conversation.get('status'))[:20]}, not with the bot"
    return None


def _link(account_id: int, chatwoot_id: int) -> ChatwootConversation:
    with transaction.atomic():
        link = ChatwootConversation.objects.select_for_update().select_related("conversation").filter(
            account_id=account_id, chatwoot_conversation_id=chatwoot_id).first()
        if link is None:
            return ChatwootConversation.objects.create(account_id=account_id, chatwoot_conversation_id=chatwoot_id,
                                                       conversation=conversation_create(channel=Conversation.Channel.CHATWOOT))
        if link.conversation.status == Conversation.Status.CLOSED:
            # Chatwoot gave a conversation we closed back to the bot: it continues here as a new one.
            link.conversation = conversation_create(channel=Conversation.Channel.CHATWOOT)
            link.save(update_fields=["conversation"])
        return link


def chatwoot_event_receive(*, payload: object) -> Exchange | None:
    """Answer an incoming Chatwoot message; None when the event is not one the bot answers."""
    if not isinstance(payload, dict):
        raise InvalidMessage("The body must be a Chatwoot webhook event (a JSON object).", code="invalid_chatwoot_payload")
    if ignored_reason(payload):
        return None
    conversation, account = payload.get("conversation"), payload.get("account")
    if not isinstance(conversation, dict) or not isinstance(account, dict):
        raise InvalidMessage("conversation and account must be objects.", code="invalid_chatwoot_payload")
    link = _link(_positive_int(account.get("id"), "account.id"), _positive_int(conversation.get("id"), "conversation.id"))
    message_id = _positive_int(payload.get("id"), "id")
    # Chatwoot's message id: a redelivered webhook answers with the first copy.
    return customer_message_receive(conversation=link.conversation, text=payload.get("content"), client_message_id=f"chatwoot:{message_id}")


def is_forwarded(message: Message) -> bool:
    return message.role in FORWARDED_ROLES or (message.role == Message.Role.SYSTEM and bool(message.handoff_reason))


def _done(message: Message, kind: str) -> bool:
    return ChatwootDelivery.objects.filter(message=message, kind=kind, error="", status_code__isnull=False).exists()


def chatwoot_reply_forward(*, message: Message) -> list[ChatwootDelivery]:
    """Post ``message`` to its Chatwoot conversation and, when it hands off, set the conversation open; each once."""
    link = ChatwootConversation.objects.filter(conversation_id=message.conversation_id).first()
    if link is None or not is_forwarded(message):
        return []
    done = []
    if not _done(message, ChatwootDelivery.Kind.MESSAGE):
        done.append(chatwoot_message_post(link=link, message=message))
    if message.handoff_reason and not _done(message, ChatwootDelivery.Kind.HANDOFF):
        done.append(chatwoot_conversation_open(link=link, message=message))
    return done
