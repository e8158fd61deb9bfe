"""Writes: every change to a conversation goes through one of these functions, whichever door it
came through (socket, REST, admin, management command), and each publishes its own events to the
sockets once its transaction commits (conversations/events.py)."""

from conversations.services.agents import agent_message_post, conversation_assign, conversation_close, conversation_return_to_bot
from conversations.services.annotations import note_add, tag_add, tag_remove
from conversations.services.assignment import AGENT_PERMISSION, agent_by_username, conversation_transfer
from conversations.services.availability import agent_availability_set, agent_seen, business_hours_set, contact_email_leave
from conversations.services.canned import canned_reply_delete, canned_reply_save
from conversations.services.conversations import (
    conversation_create,
    conversation_rate,
    conversation_token_revoke,
    message_relabel,
)
from conversations.services.drafts import DraftResult, draft_create, draft_discard
from conversations.services.erasure import conversation_forget, person_erase
from conversations.services.messages import Exchange, conversation_request_human, customer_message_receive, message_text_clean
from conversations.services.notifications import conversation_mark_read, notification_preferences_set

__all__ = [
    "AGENT_PERMISSION",
    "DraftResult",
    "Exchange",
    "agent_availability_set",
    "agent_by_username",
    "agent_message_post",
    "agent_seen",
    "business_hours_set",
    "canned_reply_delete",
    "canned_reply_save",
    "contact_email_leave",
    "conversation_assign",
    "conversation_close",
    "conversation_create",
    "conversation_forget",
    "conversation_mark_read",
    "conversation_rate",
    "conversation_request_human",
    "conversation_return_to_bot",
    "conversation_token_revoke",
    "conversation_transfer",
    "customer_message_receive",
    "draft_create",
    "draft_discard",
    "message_relabel",
    "message_text_clean",
    "note_add",
    "notification_preferences_set",
    "person_erase",
    "tag_add",
    "tag_remove",
]
