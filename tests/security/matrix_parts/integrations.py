"""Access rows for integrations (issue 16, items 1 and 2): webhook endpoints and bot actions.

Staff and integrators manage both; agents and customers never see them (a webhook's URL and a bot
action's endpoint are the organisation's integration details, and a delivery's payload is conversation data)."""

from __future__ import annotations

from conversations.models import Intent
from integrations.actions.services import bot_action_save
from integrations.webhooks.services import webhook_endpoint_create
from tests.security.endpoints import Call

# A public address literal: registration checks it without a DNS lookup, and nothing is sent to it.
PUBLIC_URL = "http://93.184.215.14/hooks/chatbot"
ACTION_BODY = {"name": "Card delivery status", "method": "GET", "url_template": "http://93.184.215.14/cards/{reference}",
               "parameters": [{"name": "reference", "prompt": "What is your reference?", "pattern": r"\d{8}"}],
               "reply_template": "Your card is {{status}}."}

MANAGE = (401, 403, 403, 403, 200, 200, 401, 401)
ROWS = {
    # (URL name, method)                     anon cust_a cust_b agent staff integ old_tok old_conv
    ("webhook-list", "GET"):                 MANAGE,
    ("webhook-list", "POST"):                (401, 403, 403, 403, 201, 201, 401, 401),
    ("webhook-detail", "GET"):               MANAGE,
    ("webhook-detail", "PATCH"):             MANAGE,
    ("webhook-detail", "DELETE"):            (401, 403, 403, 403, 204, 204, 401, 401),
    ("webhook-rotate-secret", "POST"):       MANAGE,
    ("webhook-deliveries", "GET"):           MANAGE,
    ("bot-action-list", "GET"):              MANAGE,
    ("bot-action-list", "POST"):             (401, 403, 403, 403, 201, 201, 401, 401),
    ("bot-action-detail", "GET"):            MANAGE,
    ("bot-action-detail", "PUT"):            MANAGE,
    ("bot-action-detail", "DELETE"):         (401, 403, 403, 403, 204, 204, 401, 401),
    ("bot-action-calls", "GET"):             MANAGE,
}

CALLS = {
    "webhook-list": Call(bodies={"POST": {"name": "CRM", "url": PUBLIC_URL, "events": ["message.customer"]}}),
    "webhook-detail": Call({"pk": "webhook"}, bodies={"PATCH": {"events": ["conversation.closed"]}}),
    "webhook-rotate-secret": Call({"pk": "webhook"}),
    "webhook-deliveries": Call({"pk": "webhook"}),
    "bot-action-list": Call(bodies={"POST": {**ACTION_BODY, "intent": "card_arrival"}}),
    "bot-action-detail": Call({"pk": "bot_action"}, bodies={"PUT": {**ACTION_BODY, "intent": "card_status_check"}}),
    "bot-action-calls": Call({"pk": "bot_action"}),
}


def make_objects(world) -> dict[str, object]:
    endpoint = webhook_endpoint_create(name="Existing", url=PUBLIC_URL, events=["conversation.created"], user=None)
    Intent.objects.create(name="card_status_check")
    action = bot_action_save(**{**ACTION_BODY, "intent": "card_status_check"})
    return {"webhook": endpoint.pk, "bot_action": action.pk}
