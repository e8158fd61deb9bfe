"""Webhooks against a real HTTP receiver on loopback: signed deliveries verified with the documented snippet,
retries with backoff after 500s, timeouts, a receiver with the wrong secret, auto-disable, and the REST roles."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from conversations import services
from conversations.models import Conversation
from integrations import dispatch
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.tasks import webhook_deliver
from integrations.webhooks.services import backoff_s, webhook_endpoint_create
from integrations.webhooks.signing import signature_header
from tests.factories import ConversationFactory
from tests.integrations.loopback import Recorded, Reply, loopback_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def _documented_verifier():
    """verify_chatbot_signature exactly as docs/integrations.md shows it."""
    text = DOC.read_text()
    block = re.search(r"<!-- verify-snippet:start -->\s*```python\n(.*?)```\s*<!-- verify-snippet:end -->", text, re.DOTALL)
    assert block, "the verification snippet is missing from docs/integrations.md"
    namespace: dict = {}
    exec(compile(block.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_chatbot_signature"]


verify_chatbot_signature = _documented_verifier()


@pytest.fixture
def receiver():
    with loopback_server() as server:
        yield server


@pytest.fixture
def webhook_settings(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_BACKOFF_BASE_S = 0.5
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_TIMEOUT_S = 0.5
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    settings.CHAT_PIPELINE_PROVIDER = "tests.live.pipelines.streaming_pipeline"
    settings.PII_ANONYMIZE = False
    return settings


@pytest.fixture
def worker(monkeypatch):
    """The task run at once in this thread for each message sent by name; the countdowns asked for are kept."""
    countdowns: list[float] = []

    def send(name: str, object_id: int, *, countdown: float = 0.0) -> None:
        assert name == dispatch.WEBHOOK_DELIVER
        countdowns.append(countdown)
        webhook_deliver(object_id)  # the real task body, as a worker would run it

    monkeypatch.setattr(dispatch, "task_send", send)
    return countdowns


def _verifying_route(secret: str, replies: list[Reply] | None = None):
    queue = list(replies or [])

    def route(request: Recorded) -> Reply:
        if not verify_chatbot_signature(secret, request.body, request.headers.get("x-chatbot-signature", "")):
            return Reply(status=401, body=b"bad signature")
        return queue.pop(0) if queue else Reply(status=204)

    return route


def test_a_conversation_is_delivered_signed_with_anonymized_texts(db, webhook_settings, receiver, worker,
                                                                  django_capture_on_commit_callbacks, settings):
    settings.PII_ANONYMIZE = True
    endpoint = webhook_endpoint_create(name="CRM", url=receiver.url("/hook"), user=None,
                                       events=[e.value for e in WebhookEvent])
    receiver.routes["/hook"] = _verifying_route(endpoint.secret)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.conversation_create()
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_message_receive(conversation=conversation, text="Where is my card? Write to jane.doe@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_rate(conversation=conversation, rating=5)

    events = [r.headers["x-chatbot-event"] for r in receiver.requests]
    assert events == ["conversation.created", "message.customer", "message.bot", "conversation.rated"]
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert all(b["data"]["conversation"] == str(conversation.public_id) for b in bodies)
    customer = bodies[1]["data"]["message"]
    assert "jane.doe@example.com" not in receiver.requests[1].body.decode()
    assert customer["role"] == "customer" and "<EMAIL_1>" in customer["text"]
    assert bodies[2]["data"]["message"]["text"].startswith("Your new card")
    assert bodies[3]["data"]["rating"] == 5
    assert {r.headers["x-chatbot-delivery"] for r in receiver.requests} == {b["id"] for b in bodies}
    rows = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert rows.count() == 4
    assert all(d.status == "succeeded" and d.attempts == 1 and d.status_code == 204 and d.latency_ms is not None for d in rows)


def test_only_subscribed_events_are_sent(db, webhook_settings, receiver, worker, django_capture_on_commit_callbacks):
    webhook_endpoint_create(name="Handoffs", url=receiver.url("/hook"), user=None, events=["conversation.handed_off"])
    receiver.routes["/hook"] = Reply(status=200)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.conversation_create()
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_message_receive(conversation=conversation, text="I want a human please")
    assert [r.headers["x-chatbot-event"] for r in receiver.requests] == ["conversation.handed_off"]
    assert json.loads(receiver.requests[0].body)["data"]["status"] == Conversation.Status.WAITING_FOR_AGENT


def test_500s_are_retried_with_exponential_backoff_then_succeed(db, webhook_settings, receiver, worker,
                                                               django_capture_on_commit_callbacks):
    endpoint = webhook_endpoint_create(name="Flaky", url=receiver.url("/hook"), user=None, events=["conversation.created"])
    receiver.routes["/hook"] = _verifying_route(endpoint.secret, [Reply(status=500), Reply(status=503), Reply(status=200)])
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_create()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.status_code, delivery.last_error) == ("succeeded", 3, 200, "")
    # The first send, then two retries after base x 1 and base x 2.
    assert worker == [0.0, backoff_s(1), backoff_s(2)] == [0.0, 0.5, 1.0]
    # The same delivery id on every attempt, each freshly signed.
    assert len({r.headers["x-chatbot-delivery"] for r in receiver.requests}) == 1
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.is_active


def test_a_slow_receiver_times_out_and_is_recorded(db, webhook_settings, receiver, worker, django_capture_on_commit_callbacks):
    webhook_settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint = webhook_endpoint_create(name="Slow", url=receiver.url("/hook"), user=None, events=["conversation.created"])
    receiver.routes["/hook"] = Reply(status=200, delay_s=1.5)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_create()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "failed" and delivery.status_code is None
    assert delivery.last_error.startswith("OutboundTimeout") and 400 <= delivery.latency_ms < 1500


def test_a_receiver_with_another_secret_rejects_and_the_endpoint_is_disabled(db, webhook_settings, receiver, worker,
                                                                            django_capture_on_commit_callbacks):
    endpoint = webhook_endpoint_create(name="Wrong secret", url=receiver.url("/hook"), user=None, events=["conversation.created"])
    receiver.routes["/hook"] = _verifying_route("whsec_not-the-right-one")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.conversation_create()
    assert {r.path for r in receiver.requests} == {"/hook"} and len(receiver.requests) == 2 * 4
    assert all(d.status == "failed" and d.status_code == 401 and d.last_error == "HTTP 401"
               for d in WebhookDelivery.objects.filter(endpoint=endpoint))
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "2 deliveries in a row failed" in endpoint.disabled_reason and "HTTP 401" in endpoint.disabled_reason
    # While disabled nothing more is sent; re-enabled, the count starts again.
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_create()
    assert len(receiver.requests) == 8


def test_the_receiver_rejects_a_tampered_body_or_an_old_timestamp():
    body = b'{"event":"conversation.created"}'
    header = signature_header(secret="whsec_x", body=body)
    assert verify_chatbot_signature("whsec_x", body, header)
    assert not verify_chatbot_signature("whsec_y", body, header)
    assert not verify_chatbot_signature("whsec_x", body + b" ", header)
    assert not verify_chatbot_signature("whsec_x", body, signature_header(secret="whsec_x", body=body, timestamp=1_000_000))
    assert not verify_chatbot_signature("whsec_x", body, "garbage")


# --- REST and roles -------------------------------------------------------------------------------------


def test_staff_register_an_endpoint_and_see_the_secret_once(webhook_settings, staff_api, receiver):
    created = staff_api.post("/api/v1/webhooks/", {"name": "CRM", "url": receiver.url("/hook"), "events": ["message.customer"]},
                             format="json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and WebhookEndpoint.objects.get().secret == secret
    listed = staff_api.get("/api/v1/webhooks/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert "secret" not in rows[0]
    pk = created.json()["id"]
    assert "secret" not in staff_api.get(f"/api/v1/webhooks/{pk}/").json()
    rotated = staff_api.post(f"/api/v1/webhooks/{pk}/rotate-secret/").json()["secret"]
    assert rotated != secret and WebhookEndpoint.objects.get().secret == rotated
    assert staff_api.get(f"/api/v1/webhooks/{pk}/deliveries/").json() == []


def test_integrators_manage_endpoints_and_agents_cannot(webhook_settings, integrator_api, agent_api, anon_api, receiver):
    body = {"name": "Ops", "url": receiver.url("/hook"), "events": ["conversation.closed"]}
    assert integrator_api.post("/api/v1/webhooks/", body, format="json").status_code == 201
    assert agent_api.post("/api/v1/webhooks/", body, format="json").status_code == 403
    assert agent_api.get("/api/v1/webhooks/").status_code == 403
    assert anon_api.get("/api/v1/webhooks/").status_code == 401


@pytest.mark.parametrize(
    ("url", "code"),
    [("http://127.0.0.1:9/hook", "url_not_allowed"), ("http://169.254.169.254/latest", "url_not_allowed"),
     ("ftp://example.com/x", "url_not_allowed")],
)
def test_a_refused_url_is_refused_at_registration(staff_api, url, code):
    answer = staff_api.post("/api/v1/webhooks/", {"name": "x", "url": url, "events": ["conversation.closed"]}, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code


def test_unknown_events_are_refused(webhook_settings, staff_api, receiver):
    answer = staff_api.post("/api/v1/webhooks/", {"name": "x", "url": receiver.url("/h"), "events": ["message.deleted"]}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "validation_error"


def test_re_enabling_clears_the_failure_state(webhook_settings, staff_api, receiver):
    endpoint = webhook_endpoint_create(name="x", url=receiver.url("/h"), user=None, events=["conversation.closed"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, consecutive_failures=5, disabled_reason="gone")
    answer = staff_api.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"is_active": True}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["is_active"], answer.json()["consecutive_failures"], answer.json()["disabled_reason"]) == (True, 0, "")


def test_an_agent_joining_and_closing_are_delivered(db, webhook_settings, receiver, worker, agent,
                                                    django_capture_on_commit_callbacks):
    webhook_endpoint_create(name="Ops", url=receiver.url("/hook"), user=None,
                            events=["conversation.agent_joined", "conversation.closed", "message.customer"])
    receiver.routes["/hook"] = Reply(status=200)
    conversation = ConversationFactory(status=Conversation.Status.WAITING_FOR_AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_assign(conversation=conversation, agent=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_close(conversation=conversation)
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["event"] for b in bodies] == ["conversation.agent_joined", "conversation.closed"]
    assert bodies[0]["data"] == {"conversation": str(conversation.public_id), "status": "with_agent", "agent": "Alice"}


def test_the_task_is_registered_under_its_name_and_delivers(db, webhook_settings, receiver, django_capture_on_commit_callbacks,
                                                            monkeypatch):
    monkeypatch.setattr(dispatch, "task_send", lambda *args, **kwargs: None)  # queued only; run below as a worker would
    endpoint = webhook_endpoint_create(name="x", url=receiver.url("/hook"), user=None, events=["conversation.created"])
    receiver.routes["/hook"] = Reply(status=200)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_create()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "pending"
    current_app.tasks[dispatch.WEBHOOK_DELIVER].apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and len(receiver.requests) == 1


def test_a_delivery_whose_message_was_lost_is_sent_again_by_the_sweep(db, webhook_settings, receiver, worker):
    endpoint = webhook_endpoint_create(name="x", url=receiver.url("/hook"), user=None, events=["conversation.created"])
    receiver.routes["/hook"] = Reply(status=200)
    old = timezone.now() - timedelta(minutes=10)
    lost = WebhookDelivery.objects.create(endpoint=endpoint, event="conversation.created", payload={"event": "conversation.created"})
    WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=old)
    fresh = WebhookDelivery.objects.create(endpoint=endpoint, event="conversation.created", payload={})
    overdue = WebhookDelivery.objects.create(endpoint=endpoint, event="conversation.created", payload={}, status="retrying",
                                             attempts=1, last_attempt_at=old, next_attempt_at=old)
    assert current_app.tasks["integrations.tasks.webhook_requeue_stale"].apply().get() == 2
    statuses = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "succeeded", fresh.pk: "pending", overdue.pk: "succeeded"}
    assert "integrations.tasks.webhook_requeue_stale" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
