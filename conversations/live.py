"""Live-chat writes: the conversation services, plus the events that other sockets hear.

Each function calls the matching function of conversations.services and, once the
transaction commits, sends events to the conversation's group (its customer sockets and the
agent who has it open) and to the agent console. Nothing is announced that was rolled back.
Called from the consumers' worker threads; also safe from ordinary sync code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from conversations import services
from conversations.events import (
    CONSOLE_GROUP,
    ConsoleEvent,
    MessageEvent,
    MessagePayload,
    RevokedEvent,
    StatusChangeEvent,
    StatusEvent,
    TypingEvent,
    conversation_group,
    message_payload,
    person_name,
)
from conversations.live_selectors import QUEUE_STATUSES, console_summary
from conversations.models import Conversation, Message

logger = logging.getLogger(__name__)
Status = Conversation.Status
Event = tuple[str, dict]


@dataclass(frozen=True)
class LiveExchange:
    message: MessagePayload
    reply: MessagePayload | None
    created: bool
    status: str


# --- events ---------------------------------------------------------------------------------------------


def publish(events: list[Event]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, event in events:
        try:
            async_to_sync(layer.group_send)(group, event)
        except Exception:
            # The change is committed; a socket that missed it catches up from history on reconnect.
            logger.exception("Could not publish %s to %s", event.get("type"), group)


def _publish_on_commit(events: list[Event]) -> None:
    transaction.on_commit(partial(publish, events))


def _message(conversation: Conversation, message: Message | MessagePayload, sender: str | None = None) -> Event:
    payload = message if isinstance(message, dict) else message_payload(message)
    event: MessageEvent = {"type": "chat.message", "message": payload, "conversation": str(conversation.public_id), "sender": sender}
    return conversation_group(conversation), dict(event)


def _status(conversation: Conversation, change: StatusEvent) -> Event:
    fresh = Conversation.objects.select_related("assigned_agent").get(pk=conversation.pk)
    event: StatusChangeEvent = {"type": "chat.status", "conversation": str(fresh.public_id), "status": fresh.status,
                                "event": change, "agent": person_name(fresh.assigned_agent)}
    return conversation_group(conversation), dict(event)


def _console(conversation: Conversation) -> Event:
    event: ConsoleEvent = {"type": "console.changed", "conversation": console_summary(conversation)}
    return CONSOLE_GROUP, dict(event)


def typing_event(conversation: Conversation, *, role: str, typing: bool, sender: str) -> TypingEvent:
    return {"type": "chat.typing", "conversation": str(conversation.public_id), "role": role, "typing": typing, "sender": sender}


def _latest_system_message(conversation: Conversation) -> Message | None:
    return conversation.messages.filter(role=Message.Role.SYSTEM).order_by("-id").first()


# --- customer -------------------------------------------------------------------------------------------


def customer_message_receive(
    *, conversation: Conversation, text: object, client_message_id: str | None = None,
    on_token: Callable[[str], None] | None = None, sender: str | None = None,
) -> LiveExchange:
    """Store and answer a customer message; ``sender`` (the socket that streams the reply) is not told again."""
    before = Conversation.objects.values_list("status", flat=True).get(pk=conversation.pk)
    exchange = services.customer_message_receive(
        conversation=conversation, text=text, client_message_id=client_message_id, on_token=on_token
    )
    status = Conversation.objects.values_list("status", flat=True).get(pk=conversation.pk)
    message = message_payload(exchange.message)
    reply = message_payload(exchange.reply) if exchange.reply else None
    if exchange.created:
        events = [_message(conversation, message, sender)]
        if reply is not None:
            events.append(_message(conversation, reply, sender))
        if status != before and status == Status.WAITING_FOR_AGENT:
            events.append(_status(conversation, "handed_off"))
        if status in QUEUE_STATUSES or status != before:
            events.append(_console(conversation))
        _publish_on_commit(events)
    return LiveExchange(message=message, reply=reply, created=exchange.created, status=status)


def conversation_request_human(*, conversation: Conversation) -> Message | None:
    with transaction.atomic():
        message = services.conversation_request_human(conversation=conversation)
        if message is not None:
            _publish_on_commit([_message(conversation, message), _status(conversation, "handed_off"), _console(conversation)])
    return message


def conversation_rate(*, conversation: Conversation, rating: object) -> Conversation:
    return services.conversation_rate(conversation=conversation, rating=rating)


# --- agents (and the customer, for close) ----------------------------------------------------------------


def conversation_assign(*, conversation: Conversation, agent: AbstractBaseUser) -> Conversation:
    with transaction.atomic():
        locked = services.conversation_assign(conversation=conversation, agent=agent)
        _announce(locked, "agent_joined")
    return locked


def agent_message_post(*, conversation: Conversation, agent: AbstractBaseUser, text: object) -> Message:
    """An agent's reply; taking over a waiting conversation this way also announces the agent."""
    with transaction.atomic():
        before = Conversation.objects.values_list("status", "assigned_agent_id").get(pk=conversation.pk)
        message = services.agent_message_post(conversation=conversation, agent=agent, text=text)
        events = [_message(conversation, message)]
        if before != (Status.WITH_AGENT, agent.pk):
            events.append(_status(conversation, "agent_joined"))
        events.append(_console(conversation))
        _publish_on_commit(events)
    return message


def conversation_return_to_bot(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        locked = services.conversation_return_to_bot(conversation=conversation)
        _announce(locked, "returned_to_bot")
    return locked


def _announce(conversation: Conversation, status_event: StatusEvent) -> None:
    """After a transition: the system notice it wrote, the status change, the console row."""
    events = [_status(conversation, status_event), _console(conversation)]
    notice = _latest_system_message(conversation)
    if notice is not None:
        events.insert(0, _message(conversation, notice))
    _publish_on_commit(events)


def conversation_close(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        locked = services.conversation_close(conversation=conversation)
        _publish_on_commit([_status(locked, "closed"), _console(locked)])
    return locked


def conversation_token_revoke(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        revoked = services.conversation_token_revoke(conversation=conversation)
        event: RevokedEvent = {"type": "chat.revoked", "conversation": str(revoked.public_id)}
        _publish_on_commit([(conversation_group(revoked), dict(event))])
    return revoked
