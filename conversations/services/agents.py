"""What agents do to a conversation (and the customer, for close): take it over, reply, give it back
to the bot, close it. Each publishes its status change, notice and console row once it commits."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from conversations.errors import InvalidTransition
from conversations.events import console_event, message_event, publish_on_commit, status_event
from conversations.models import Conversation, Message
from conversations.privacy import anonymize_text
from conversations.selectors import PREVIEW_CHARS, last_message_text
from conversations.services.assignment import refuse_unless_holder
from conversations.services.drafts import draft_settle_on_reply, drafts_discard_on_close
from conversations.services.messages import message_text_clean

Status = Conversation.Status
Role = Message.Role


def _transition(conversation: Conversation, *, allowed: set[str], action: str) -> Conversation:
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if locked.status not in allowed:
        raise InvalidTransition(f"Cannot {action} a conversation that is {locked.get_status_display().lower()}.")
    return locked


def _notice(conversation: Conversation, text: str, change: str) -> None:
    """A transition's system notice, published with the status change and the console row."""
    notice = Message.objects.create(conversation=conversation, role=Role.SYSTEM, text=text)
    publish_on_commit([message_event(conversation, notice), status_event(conversation, change),
                       console_event(conversation, last_message=text[:PREVIEW_CHARS])])


def conversation_assign(*, conversation: Conversation, agent: AbstractBaseUser) -> Conversation:
    """An agent takes over a conversation (from the queue, or from the bot)."""
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WITH_BOT, Status.WAITING_FOR_AGENT, Status.WITH_AGENT}, action="join")
        refuse_unless_holder(locked, agent, action="join")
        locked.status, locked.assigned_agent = Status.WITH_AGENT, agent
        locked.escalated_at = locked.escalated_at or timezone.now()
        locked.save(update_fields=["status", "assigned_agent", "escalated_at", "updated_at"])
        name = agent.get_short_name() or agent.get_username()
        _notice(locked, f"{name} from our support team has joined the conversation.", "agent_joined")
    return locked


def agent_message_post(*, conversation: Conversation, agent: AbstractBaseUser, text: object, draft: int | None = None) -> Message:
    """An agent replies; replying to a conversation someone else (or no one) has also takes it over.
    ``draft``: the copilot draft the agent inserted, if any; the pending draft is settled either way."""
    clean = message_text_clean(text)
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WAITING_FOR_AGENT, Status.WITH_AGENT, Status.WITH_BOT}, action="reply to")
        refuse_unless_holder(locked, agent, action="reply to")
        joined = locked.status != Status.WITH_AGENT or locked.assigned_agent_id != agent.pk
        if joined:
            locked.status, locked.assigned_agent = Status.WITH_AGENT, agent
            locked.escalated_at = locked.escalated_at or timezone.now()
            locked.save(update_fields=["status", "assigned_agent", "escalated_at", "updated_at"])
        message = Message.objects.create(conversation=locked, role=Role.AGENT, text=anonymize_text(clean, conversation=locked, author=agent), author=agent)
        draft_settle_on_reply(conversation=locked, message=message, draft_id=draft)
        events = [message_event(locked, message)] + ([status_event(locked, "agent_joined")] if joined else [])
        publish_on_commit([*events, console_event(locked, last_message=message.text[:PREVIEW_CHARS])])
    return message


def conversation_return_to_bot(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WAITING_FOR_AGENT, Status.WITH_AGENT}, action="return to the bot")
        locked.status, locked.assigned_agent = Status.WITH_BOT, None
        locked.save(update_fields=["status", "assigned_agent", "updated_at"])
        _notice(locked, "You are back with our virtual assistant.", "returned_to_bot")
    return locked


def conversation_close(*, conversation: Conversation) -> Conversation:
    with transaction.atomic():
        locked = _transition(conversation, allowed={Status.WITH_BOT, Status.WAITING_FOR_AGENT, Status.WITH_AGENT}, action="close")
        locked.status, locked.closed_at = Status.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        drafts_discard_on_close(conversation=locked)
        publish_on_commit([status_event(locked, "closed"), console_event(locked, last_message=last_message_text(locked))])
    return locked
