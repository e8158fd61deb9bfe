"""Tasks are sent by name (integrations/tasks.py holds the thin Celery wrappers), so nothing imports them."""

from __future__ import annotations

from celery import current_app

WEBHOOK_DELIVER = "integrations.tasks.webhook_deliver"


def task_send(name: str, object_id: int, *, countdown: float = 0.0) -> None:
    current_app.send_task(name, args=[object_id], countdown=countdown or None)
