"""Celery tasks: thin wrappers that take ids (routed to the training queue)."""

from celery import shared_task

from training import services


@shared_task(name="training.tasks.train_intent_classifier", acks_late=True, reject_on_worker_lost=True)
def train_intent_classifier(run_id: int) -> int | None:
    version = services.intent_training_execute(run_id=run_id)
    return version.pk if version else None


@shared_task(name="training.tasks.build_retrieval_index", acks_late=True, reject_on_worker_lost=True)
def build_retrieval_index(run_id: int) -> int | None:
    from training.retrieval_index import index_build_execute

    version = index_build_execute(run_id=run_id)
    return version.pk if version else None


@shared_task(name="training.tasks.train_responder", acks_late=True, reject_on_worker_lost=True)
def train_responder(run_id: int) -> int | None:
    from training.responder_training import responder_training_execute

    version = responder_training_execute(run_id=run_id)
    return version.pk if version else None


@shared_task(name="training.tasks.audit_model_version", acks_late=True, reject_on_worker_lost=True)
def audit_model_version(audit_id: int) -> str | None:
    from training import audit

    result = audit.audit_execute(audit_id=audit_id)
    return None if result is None else (result.verdict or result.status)
