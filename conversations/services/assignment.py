"""Assignment and transfer: who has a conversation, and its history. A conversation transferred to a
named agent is theirs: other agents can neither reply to it nor join it until it is transferred again
(services/agents.py asks ``transfer_holder``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from conversations.errors import ChatError, InvalidMessage, InvalidTransition
from conversations.events import console_event, message_event, publish_on_commit, status_event
from conversations.models import Conversation, ConversationAssignment, Message
from conversations.selectors import PREVIEW_CHARS

AGENT_PERMISSION = "conversations.reply_conversation"
# Staff may move a conversation another agent holds (an agent away or gone); agents transfer only their own or unassigned ones.
REASSIGN_PERMISSION = "conversations.change_conversation"
NOTE_MAX_CHARS = ConversationAssignment._meta.get_field("note").max_length
Status = Conversation.Status


class UnknownAgent(ChatError):
    code = "unknown_agent"


class NotYourConversation(ChatError):
    code = "transferred_to_another_agent"
    status = 409


def transfer_holder(conversation: Conversation) -> int | None:
    """The user id a transfer gave the conversation to, while they still have it; None when anyone may take it."""
    if conversation.status != Status.WITH_AGENT or conversation.assigned_agent_id is None:
        return None
    last = conversation.assignments.order_by("-created_at", "-id").values_list("to_agent_id", flat=True).first()
    return last if last == conversation.assigned_agent_id else None


def refuse_unless_holder(conversation: Conversation, agent: AbstractBaseUser, *, action: str) -> None:
    holder = transfer_holder(conversation)
    if holder is not None and holder != agent.pk:
        name = conversation.assigned_agent.get_short_name() or conversation.assigned_agent.get_username()
        raise NotYourConversation(f"This conversation was transferred to {name}; only they can {action} it now. "
                                  "Ask for it to be transferred to you.")


def agent_by_username(username: object) -> AbstractBaseUser:
    """An active user who may answer customers (the Agents group, or staff holding the same permission)."""
    if not isinstance(username, str) or not username.strip() or len(username) > 150 or "\x00" in username:
        raise UnknownAgent("Name the agent by their user name.")
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None or not user.has_perm(AGENT_PERMISSION):
        raise UnknownAgent(f"There is no agent called {username.strip()[:150]!r}.")
    return user


def conversation_transfer(*, conversation: Conversation, to_agent: AbstractBaseUser | None, by: AbstractBaseUser,
                          note: object = "") -> ConversationAssignment:
    """Give a conversation to another agent (``to_agent``), or back to the unassigned queue (None)."""
    if not isinstance(note, str) or len(note) > NOTE_MAX_CHARS or "\x00" in note:
        raise InvalidMessage(f"A transfer note is text of at most {NOTE_MAX_CHARS} characters.", code="invalid_note")
    if to_agent is not None and (not to_agent.is_active or not to_agent.has_perm(AGENT_PERMISSION)):
        raise UnknownAgent(f"{to_agent.get_username()} is not an agent.")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update(of=("self",)).select_related("assigned_agent").get(pk=conversation.pk)
        if locked.status not in (Status.WAITING_FOR_AGENT, Status.WITH_AGENT):
            raise InvalidTransition(f"Only a conversation waiting for or with an agent can be transferred; this one is "
                                    f"{locked.get_status_display().lower()}.")
        if locked.assigned_agent_id not in (None, by.pk) and not by.has_perm(REASSIGN_PERMISSION):
            holder = locked.assigned_agent.get_short_name() or locked.assigned_agent.get_username()
            raise NotYourConversation(f"{holder} has this conversation; only they or staff can transfer it.")
        if to_agent is not None and locked.assigned_agent_id == to_agent.pk:
            raise InvalidTransition(f"{to_agent.get_username()} already has this conversation.")
        if to_agent is None and locked.assigned_agent_id is None:
            raise InvalidTransition("This conversation is already unassigned.")
        record = ConversationAssignment.objects.create(conversation=locked, from_agent=locked.assigned_agent, to_agent=to_agent,
                                                       by=by, note=note.strip())
        locked.assigned_agent = to_agent
        locked.status = Status.WITH_AGENT if to_agent is not None else Status.WAITING_FOR_AGENT
        locked.escalated_at = locked.escalated_at or timezone.now()
        locked.save(update_fields=["assigned_agent", "status", "escalated_at", "updated_at"])
        if to_agent is not None:
            name = to_agent.get_short_name() or to_agent.get_username()
            text, change = f"{name} from our support team has taken over the conversation.", "agent_joined"
        else:
            text, change = "You will be answered by the next available member of our support team.", "handed_off"
        notice = Message.objects.create(conversation=locked, role=Message.Role.SYSTEM, text=text)
        publish_on_commit([message_event(locked, notice), status_event(locked, change),
                           console_event(locked, last_message=text[:PREVIEW_CHARS])])
    return record
