"""Celery tasks: thin adapters that take ids, sent by name (integrations.dispatch), so nothing imports this module."""

from celery import shared_task

from integrations.webhooks.services import webhook_deliveries_requeue_stale, webhook_delivery_attempt

OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="integrations.tasks.webhook_deliver", **OPTIONS)
def webhook_deliver(delivery_id: int) -> float | None:
    # The service queues the next attempt itself (with its backoff), so a retry is a new message, not a
    # worker sleeping on this one.
    return webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="integrations.tasks.webhook_requeue_stale")
def webhook_requeue_stale() -> int:
    # On beat (chatbot/settings/broker.py): deliveries whose queued message was lost are sent again.
    return webhook_deliveries_requeue_stale()
