"""What the connectors do when a conversation event commits (conversations.events.event_published): a reply
of an e-mail conversation is queued for SMTP, one of a Chatwoot conversation for Chatwoot's API."""

from __future__ import annotations

import logging

from connectors.tasks import chatwoot_reply_forward_task, email_reply_send_task
from conversations.models import Conversation

logger = logging.getLogger(__name__)

TASKS = {Conversation.Channel.EMAIL: email_reply_send_task, Conversation.Channel.CHATWOOT: chatwoot_reply_forward_task}
ROLES = {"bot", "agent", "system"}


def on_event_published(sender: type, group: str, event: dict, **kwargs: object) -> None:
    if event.get("type") != "chat.message":
        return
    message = event.get("message") or {}
    if message.get("role") not in ROLES or (message.get("role") == "system" and not message.get("handoff_reason")):
        return
    channel = Conversation.objects.filter(public_id=event.get("conversation")).values_list("channel", flat=True).first()
    task = TASKS.get(channel)
    if task is None:
        return
    try:
        task.delay(message["id"])
    except Exception:  # the broker is down: the reply is stored; an admin action re-sends it
        logger.exception("Could not queue %s for message %s", task.name, message.get("id"))
