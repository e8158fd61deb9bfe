"""Celery tasks: thin adapters that take ids, sent by name (training.registry.dispatch), so nothing
imports this module. Every ``training.tasks.*`` task is routed to the training queue.

The three kind-named run tasks keep the names queued messages already carry; a kind registered
later runs through ``execute_run``.
"""

from celery import shared_task

from training.audit.job import audit_execute
from training.evaluation.job import answer_evaluation_execute
from training.registry.runs import run_execute

OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


def _run(run_id: int) -> int | None:
    version = run_execute(run_id=run_id)
    return version.pk if version else None


@shared_task(name="training.tasks.execute_run", **OPTIONS)
def execute_run(run_id: int) -> int | None:
    return _run(run_id)


@shared_task(name="training.tasks.train_intent_classifier", **OPTIONS)
def train_intent_classifier(run_id: int) -> int | None:
    return _run(run_id)


@shared_task(name="training.tasks.build_retrieval_index", **OPTIONS)
def build_retrieval_index(run_id: int) -> int | None:
    return _run(run_id)


@shared_task(name="training.tasks.train_responder", **OPTIONS)
def train_responder(run_id: int) -> int | None:
    return _run(run_id)


@shared_task(name="training.tasks.audit_model_version", **OPTIONS)
def audit_model_version(audit_id: int) -> str | None:
    result = audit_execute(audit_id=audit_id)
    return None if result is None else (result.verdict or result.status)


@shared_task(name="training.tasks.evaluate_answers", **OPTIONS)
def evaluate_answers(evaluation_id: int) -> str | None:
    result = answer_evaluation_execute(evaluation_id=evaluation_id)
    return None if result is None else ({True: "passed", False: "failed"}.get(result.passed) or result.status)
