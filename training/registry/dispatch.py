"""Tasks are sent by name (training/tasks.py holds the thin Celery wrappers), so nothing imports them."""

from __future__ import annotations

from celery import current_app


def task_send(name: str, object_id: int) -> None:
    """Queue the task ``name`` for one run or audit id (routed by name: training.tasks.* -> training queue)."""
    current_app.send_task(name, args=[object_id])
