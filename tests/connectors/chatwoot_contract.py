"""A loopback stand-in for Chatwoot that enforces the part of its Application API the agent bot uses.

Checked route by route against Chatwoot's API reference (developers.chatwoot.com):
- POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages ("Create New Message",
  api-reference/messages/create-new-message): header api_access_token; JSON body with ``content`` (string),
  ``message_type`` ("outgoing" | "incoming"), optional ``private`` (boolean), ``content_type`` ("text", ...),
  ``content_attributes`` (object). Answers the message object (id, content, conversation_id, message_type, ...).
- POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status ("Toggle Status",
  api-reference/conversations/toggle-status): header api_access_token; body ``status`` in open, resolved,
  pending, snoozed (``snoozed_until`` only with snoozed). Answers {"meta": {}, "payload": {"success": true,
  "current_status": ..., "conversation_id": ...}}.
Anything else is refused as Chatwoot would: 401 without the right token, 404 for another route or an unknown
conversation, 422 for a body that breaks the contract.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from tests.connectors.conftest import Request

ROUTE = re.compile(r"^/api/v1/accounts/(\d+)/conversations/(\d+)/(messages|toggle_status)$")
MESSAGE_TYPES = {"outgoing", "incoming"}
CONTENT_TYPES = {"text", "input_text", "input_textarea", "input_email", "input_select", "cards", "form", "article"}
STATUSES = {"open", "resolved", "pending", "snoozed"}


@dataclass
class ChatwootStandIn:
    token: str
    conversations: dict[tuple[int, int], str] = field(default_factory=dict)  # (account, conversation) -> status
    messages: list[dict] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    fail_with: int | None = None

    def _refuse(self, status: int, why: str) -> tuple[int, dict[str, str], bytes]:
        self.refused.append((status, why))
        return status, {"Content-Type": "application/json"}, json.dumps({"error": why}).encode()

    def __call__(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        match = ROUTE.match(request.path)
        if request.method != "POST" or match is None:
            return self._refuse(404, f"no route {request.method} {request.path}")
        if request.headers.get("api_access_token") != self.token:
            return self._refuse(401, "Invalid Access Token")
        key = (int(match.group(1)), int(match.group(2)))
        if key not in self.conversations:
            return self._refuse(404, "Resource could not be found")
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._refuse(422, "the body must be JSON")
        try:
            body = request.json()
        except ValueError:
            return self._refuse(422, "the body is not JSON")
        if not isinstance(body, dict):
            return self._refuse(422, "the body must be an object")
        if self.fail_with:
            return self._refuse(self.fail_with, "Chatwoot is failing")
        if match.group(3) == "messages":
            return self._message(key, body)
        return self._toggle(key, body)

    def _message(self, key: tuple[int, int], body: dict) -> tuple[int, dict[str, str], bytes]:
        unknown = set(body) - {"content", "message_type", "private", "content_type", "content_attributes", "campaign_id", "template_params"}
        if unknown:
            return self._refuse(422, f"unknown fields {sorted(unknown)}")
        if not isinstance(body.get("content"), str) or not body["content"].strip():
            return self._refuse(422, "content must be a non-empty string")
        if body.get("message_type", "outgoing") not in MESSAGE_TYPES:
            return self._refuse(422, "message_type must be outgoing or incoming")
        if "private" in body and not isinstance(body["private"], bool):
            return self._refuse(422, "private must be a boolean")
        if body.get("content_type", "text") not in CONTENT_TYPES:
            return self._refuse(422, "unknown content_type")
        message = {"id": len(self.messages) + 1, "content": body["content"], "account_id": key[0], "conversation_id": key[1],
                   "message_type": 1, "private": body.get("private", False), "content_type": body.get("content_type", "text")}
        self.messages.append(message)
        return 200, {"Content-Type": "application/json"}, json.dumps(message).encode()

    def _toggle(self, key: tuple[int, int], body: dict) -> tuple[int, dict[str, str], bytes]:
        status = body.get("status")
        if status not in STATUSES:
            return self._refuse(422, "status must be open, resolved, pending or snoozed")
        if "snoozed_until" in body and status != "snoozed":
            return self._refuse(422, "snoozed_until only goes with snoozed")
        self.conversations[key] = status
        payload = {"meta": {}, "payload": {"success": True, "current_status": status, "conversation_id": key[1]}}
        return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()
