"""Celery tasks: thin wrappers that take ids (routed to the training queue)."""

from celery import shared_task

from training import services


@shared_task(name="training.tasks.train_intent_classifier", acks_late=True, reject_on_worker_lost=True)
def train_intent_classifier(run_id: int) -> int | None:
    version = services.intent_training_execute(run_id=run_id)
    return version.pk if version else None
