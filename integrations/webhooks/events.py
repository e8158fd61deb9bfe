"""Which committed socket events become which webhook events, and their ``data``."""

from __future__ import annotations

from integrations.models import WebhookEvent

_STATUS_EVENTS = {
    "handed_off": WebhookEvent.HANDED_OFF,
    "agent_joined": WebhookEvent.AGENT_JOINED,
    "closed": WebhookEvent.CLOSED,
}
_MESSAGE_EVENTS = {"customer": WebhookEvent.CUSTOMER_MESSAGE, "bot": WebhookEvent.BOT_REPLY}
# Of a message, what a receiver gets (the socket payload less the sending client's own id).
_MESSAGE_FIELDS = ("id", "role", "text", "intent", "confidence", "sources", "reply_to", "handoff_reason", "created_at")


def webhook_event_for(event: dict) -> tuple[WebhookEvent, dict] | None:
    """The webhook event and its data for one socket event (conversations/events.py), or None."""
    kind = event.get("type")
    conversation = event.get("conversation")
    if kind == "chat.message":
        message = event.get("message") or {}
        name = _MESSAGE_EVENTS.get(message.get("role"))
        if name is None:
            return None
        return name, {"conversation": conversation, "message": {k: message.get(k) for k in _MESSAGE_FIELDS}}
    if kind == "chat.status":
        name = _STATUS_EVENTS.get(event.get("event"))
        if name is None:
            return None
        return name, {"conversation": conversation, "status": event.get("status"), "agent": event.get("agent")}
    if kind == "chat.rated":
        return WebhookEvent.RATED, {"conversation": conversation, "rating": event.get("rating")}
    if kind == "chat.created":
        return WebhookEvent.CONVERSATION_CREATED, {"conversation": conversation, "channel": event.get("channel"),
                                                   "created_at": event.get("created_at")}
    return None
