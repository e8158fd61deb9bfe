"""Writes: every change to a conversation goes through one of these functions, whichever door it
came through (socket, REST, admin, management command), and each publishes its own events to the
sockets once its transaction commits (conversations/events.py)."""

from conversations.services.agents import agent_message_post, conversation_assign, conversation_close, conversation_return_to_bot
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
    "DraftResult",
    "Exchange",
    "agent_message_post",
    "conversation_assign",
    "conversation_close",
    "conversation_create",
    "conversation_forget",
    "conversation_mark_read",
    "conversation_rate",
    "conversation_request_human",
    "conversation_return_to_bot",
    "conversation_token_revoke",
    "customer_message_receive",
    "draft_create",
    "draft_discard",
    "message_relabel",
    "message_text_clean",
    "notification_preferences_set",
    "person_erase",
]
