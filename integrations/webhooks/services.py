"""Webhooks: register endpoints, turn committed events into deliveries, and attempt one delivery.

A delivery is at-least-once: a worker killed after sending but before recording sends it again with the
same ``X-Chatbot-Delivery`` id, which receivers use to ignore repeats.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations import dispatch
from integrations.errors import IntegrationInvalid
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, new_webhook_secret
from integrations.outbound import OutboundError, outbound_request
from integrations.validation import outbound_url_clean
from integrations.webhooks.signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# The receiver's answer is not used: read only enough to be sure it was sent.
RESPONSE_LIMIT_BYTES = 64 * 1024


def _events_clean(events: object) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise IntegrationInvalid("events must be a non-empty list of event names.", code="invalid_events")
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise IntegrationInvalid(f"Unknown events: {', '.join(unknown)}. Known: {', '.join(WebhookEvent.values)}.",
                                 code="invalid_events")
    return sorted(set(events), key=WebhookEvent.values.index)


def webhook_endpoint_create(*, name: str, url: str, events: list[str], user: AbstractBaseUser | None) -> WebhookEndpoint:
    """The new endpoint; its ``secret`` is readable on the returned object only (show it once)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise IntegrationInvalid("name must be 1 to 100 characters.", code="invalid_name")
    return WebhookEndpoint.objects.create(name=name, url=outbound_url_clean(url), events=_events_clean(events),
                                          created_by=user)


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, name: str | None = None, url: str | None = None,
                            events: list[str] | None = None, is_active: bool | None = None) -> WebhookEndpoint:
    """Change what was given. Re-activating clears the failure count and the reason it was disabled."""
    fields = ["updated_at"]
    if name is not None:
        name = name.strip()
        if not name or len(name) > 100:
            raise IntegrationInvalid("name must be 1 to 100 characters.", code="invalid_name")
        endpoint.name = name
        fields.append("name")
    if url is not None:
        endpoint.url = outbound_url_clean(url)
        fields.append("url")
    if events is not None:
        endpoint.events = _events_clean(events)
        fields.append("events")
    if is_active is not None and is_active != endpoint.is_active:
        endpoint.is_active = is_active
        if is_active:
            endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = 0, None, ""
        fields += ["is_active", "consecutive_failures", "disabled_at", "disabled_reason"]
    endpoint.save(update_fields=fields)
    return endpoint


def webhook_secret_rotate(*, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, effective for the next attempt; returned once."""
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint.secret


def webhook_deliveries_create(*, event: WebhookEvent, data: dict) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to ``event``, queued once the transaction commits."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True).only("id", "events") if event in (e.events or [])]
    if not endpoints:
        return []
    created_at = timezone.now().isoformat()
    deliveries = []
    with transaction.atomic():
        for endpoint in endpoints:
            delivery = WebhookDelivery(endpoint=endpoint, event=event)
            delivery.payload = {"id": str(delivery.delivery_id), "event": str(event), "created_at": created_at, "data": data}
            delivery.save()
            deliveries.append(delivery)
        for delivery in deliveries:
            transaction.on_commit(lambda pk=delivery.pk: dispatch.task_send(dispatch.WEBHOOK_DELIVER, pk))
    return deliveries


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed): compact JSON, the same on every attempt."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def backoff_s(attempts: int) -> float:
    """Delay before the next attempt after ``attempts`` failed ones: base, 2 x base, 4 x base, ..."""
    return settings.WEBHOOK_BACKOFF_BASE_S * (2 ** max(attempts - 1, 0))


def webhook_delivery_attempt(*, delivery_id: int) -> float | None:
    """Send one attempt and record it. Returns the delay before the next attempt, or None when done.

    The call is made outside any transaction (no row or SQLite lock held while a receiver is slow)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status not in (Status.PENDING, Status.RETRYING):
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=Status.CANCELLED, next_attempt_at=None)
        return None
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "X-Chatbot-Event": delivery.event,
        "X-Chatbot-Delivery": str(delivery.delivery_id),
        SIGNATURE_HEADER: signature_header(secret=endpoint.secret, body=body),
    }
    started = time.monotonic()
    status_code, error = None, ""
    try:
        response = outbound_request(method="POST", url=endpoint.url, headers=headers, body=body,
                                    timeout_s=settings.WEBHOOK_TIMEOUT_S, max_bytes=RESPONSE_LIMIT_BYTES, max_redirects=0)
        status_code = response.status
        if not response.ok:
            error = f"HTTP {response.status}"
    except OutboundError as exc:
        error = f"{type(exc).__name__}: {exc}"
    latency_ms = int((time.monotonic() - started) * 1000)
    return _attempt_record(delivery_id, status_code=status_code, error=error, latency_ms=latency_ms)


def _attempt_record(delivery_id: int, *, status_code: int | None, error: str, latency_ms: int) -> float | None:
    delay = None
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        now = timezone.now()
        delivery.attempts += 1
        delivery.status_code, delivery.last_error, delivery.last_attempt_at = status_code, error, now
        delivery.latency_ms = latency_ms
        if not error:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = Status.SUCCEEDED, now, None
            if endpoint.consecutive_failures:
                endpoint.consecutive_failures = 0
                endpoint.save(update_fields=["consecutive_failures"])
        elif delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS and endpoint.is_active:
            delay = backoff_s(delivery.attempts)
            delivery.status, delivery.next_attempt_at = Status.RETRYING, now + timedelta(seconds=delay)
        else:
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
            if endpoint.is_active:
                _endpoint_gave_up(endpoint, last_error=error)
        delivery.save()
        if delay is not None:
            transaction.on_commit(lambda: dispatch.task_send(dispatch.WEBHOOK_DELIVER, delivery_id, countdown=delay))
    return delay


def _endpoint_gave_up(endpoint: WebhookEndpoint, *, last_error: str) -> None:
    endpoint.consecutive_failures += 1
    fields = ["consecutive_failures", "updated_at"]
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if endpoint.consecutive_failures >= limit:
        endpoint.is_active, endpoint.disabled_at = False, timezone.now()
        endpoint.disabled_reason = (f"Disabled after {endpoint.consecutive_failures} deliveries in a row failed "
                                    f"({settings.WEBHOOK_MAX_ATTEMPTS} attempts each); last error: {last_error}")[:1000]
        fields += ["is_active", "disabled_at", "disabled_reason"]
        endpoint.deliveries.filter(status__in=[Status.PENDING, Status.RETRYING]).update(status=Status.CANCELLED, next_attempt_at=None)
        logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, endpoint.disabled_reason)
    endpoint.save(update_fields=fields)


def webhook_deliveries_requeue_stale(*, older_than_s: float = 120.0) -> int:
    """Queue again the deliveries whose message was lost (the broker was down when it was sent, or emptied):
    pending ones created, and retrying ones due, more than ``older_than_s`` ago. A delivery already queued
    may be sent twice; receivers ignore repeats by ``X-Chatbot-Delivery``. Returns how many were queued."""
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    stale = WebhookDelivery.objects.filter(endpoint__is_active=True).filter(
        Q(status=Status.PENDING, created_at__lt=cutoff, last_attempt_at__isnull=True)
        | Q(status=Status.PENDING, last_attempt_at__lt=cutoff)
        | Q(status=Status.RETRYING, next_attempt_at__lt=cutoff))
    ids = list(stale.values_list("pk", flat=True)[:1000])
    for pk in ids:
        dispatch.task_send(dispatch.WEBHOOK_DELIVER, pk)
    return len(ids)
