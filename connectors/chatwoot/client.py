"""Chatwoot's Application API, as the agent bot uses it (every call through integrations.outbound).

Routes, checked against Chatwoot's API reference (docs/integrations.md lists the pages):
- POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages
  body {"content", "message_type": "outgoing", "private": false, "content_type": "text"}
- POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status
  body {"status": "open"}: the conversation leaves the bot and joins the agents' queue.
Both authenticate with the header ``api_access_token`` (the agent bot's access token).
"""

from __future__ import annotations

import json
import time

from django.conf import settings

from connectors.models import ChatwootConversation, ChatwootDelivery
from conversations.models import Message
from integrations.outbound import OutboundError, outbound_request


class ChatwootCallFailed(Exception):
    """Chatwoot refused the call or could not be reached (recorded; the task retries)."""


def _post(*, link: ChatwootConversation, path: str, payload: dict, message: Message, kind: str) -> ChatwootDelivery:
    url = f"{settings.CHATWOOT_BASE_URL.rstrip('/')}/api/v1/accounts/{link.account_id}/conversations/{link.chatwoot_conversation_id}/{path}"
    started = time.monotonic()
    status, error = None, ""
    try:
        response = outbound_request(method="POST", url=url, body=json.dumps(payload).encode(),
                                    headers={"api_access_token": settings.CHATWOOT_BOT_TOKEN, "Content-Type": "application/json",
                                             "Accept": "application/json"})
        status = response.status
        if not response.ok:
            error = f"Chatwoot answered {response.status}"
    except OutboundError as exc:
        error = str(exc)[:255]
    latency_ms = int((time.monotonic() - started) * 1000)
    delivery, _ = ChatwootDelivery.objects.update_or_create(
        message=message, kind=kind,
        defaults={"link": link, "status_code": status, "error": error, "latency_ms": latency_ms})
    if error:
        raise ChatwootCallFailed(error)
    return delivery


def _content(message: Message) -> str:
    sources = [s for s in message.sources or [] if isinstance(s, dict) and s.get("title")]
    if not sources:
        return message.text
    listed = "\n".join(f"[{n}] {s['title']}" + (f" {s['url']}" if s.get("url") else "") for n, s in enumerate(sources, 1))
    return f"{message.text}\n\n{listed}"


def chatwoot_message_post(*, link: ChatwootConversation, message: Message) -> ChatwootDelivery:
    return _post(link=link, path="messages", message=message, kind=ChatwootDelivery.Kind.MESSAGE,
                 payload={"content": _content(message), "message_type": "outgoing", "private": False, "content_type": "text"})


def chatwoot_conversation_open(*, link: ChatwootConversation, message: Message) -> ChatwootDelivery:
    """The hand-off: Chatwoot's status "open" puts the conversation in front of its human agents."""
    return _post(link=link, path="toggle_status", message=message, kind=ChatwootDelivery.Kind.HANDOFF, payload={"status": "open"})
