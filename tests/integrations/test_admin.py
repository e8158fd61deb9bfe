"""Integrations in admin: endpoints through the services (the secret shown once, a refused URL a form error),
the notice of a disabled endpoint, deliveries and calls as records, bot actions checked like over REST."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages

from conversations.models import Intent
from integrations.models import ActionCall, BotAction, WebhookDelivery, WebhookEndpoint
from integrations.webhooks.services import webhook_endpoint_create

ADD_ENDPOINT = "/admin/integrations/webhookendpoint/add/"
ENDPOINTS = "/admin/integrations/webhookendpoint/"


@pytest.fixture(autouse=True)
def _loopback(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]


def test_staff_add_an_endpoint_and_read_its_secret_once(staff_web):
    answer = staff_web.post(ADD_ENDPOINT, {"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["message.customer", "conversation.closed"],
                                           "is_active": "on", "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"}, follow=True)
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    notes = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any(endpoint.secret in note for note in notes)
    assert endpoint.events == ["message.customer", "conversation.closed"]
    page = staff_web.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page


def test_a_refused_url_is_a_form_error_and_nothing_is_stored(staff_web):
    answer = staff_web.post(ADD_ENDPOINT, {"name": "Meta", "url": "http://169.254.169.254/latest", "events": ["message.customer"],
                                           "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"})
    assert answer.status_code == 200 and "metadata" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_disabled_endpoint_shows_its_notice_and_deliveries_are_listed(staff_web):
    endpoint = webhook_endpoint_create(name="Gone", url="http://127.0.0.1:9/hook", events=["conversation.closed"], user=None)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_at="2026-12-05T20:00:00Z",
                                                          disabled_reason="Disabled after 5 deliveries in a row failed")
    WebhookDelivery.objects.create(endpoint=endpoint, event="conversation.closed", payload={}, status="failed", attempts=6,
                                   status_code=500, last_error="HTTP 500")
    page = staff_web.get(ENDPOINTS, follow=True).content.decode()
    assert "Webhook endpoint &#x27;Gone&#x27; is disabled: Disabled after 5 deliveries in a row failed" in page
    deliveries = staff_web.get("/admin/integrations/webhookdelivery/").content.decode()
    assert ">500<" in deliveries and "Failed (gave up)" in deliveries


def test_agents_cannot_open_integrations_in_admin(agent_web):
    assert agent_web.get(ENDPOINTS).status_code == 403
    assert agent_web.get("/admin/integrations/botaction/").status_code == 403


def test_a_bot_action_is_checked_in_admin_as_over_rest(staff_web, settings):
    settings.ACTION_SECRETS = {}
    intent = Intent.objects.create(name="card_arrival")
    form = {"intent": intent.pk, "name": "Cards", "method": "GET", "url_template": "http://127.0.0.1:9/c/{reference}",
            "headers": "{}", "parameters": json.dumps([{"name": "reference", "prompt": "Your reference?", "pattern": "(unclosed"}]),
            "reply_template": "It is {{status}}.", "fallback_text": "", "is_active": "on",
            "calls-TOTAL_FORMS": "0", "calls-INITIAL_FORMS": "0"}
    refused = staff_web.post("/admin/integrations/botaction/add/", form)
    assert refused.status_code == 200 and "not a valid regular expression" in refused.content.decode()
    assert not BotAction.objects.exists()
    form["parameters"] = json.dumps([{"name": "reference", "prompt": "Your reference?", "pattern": r"\d{8}"}])
    saved = staff_web.post("/admin/integrations/botaction/add/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    action = BotAction.objects.get()
    assert action.parameters[0]["pattern"] == r"\d{8}"
    ActionCall.objects.create(action=action, outcome="timeout", detail="No answer within 5 s.")
    assert "No answer within 5 s." in staff_web.get(f"/admin/integrations/botaction/{action.pk}/change/").content.decode()
