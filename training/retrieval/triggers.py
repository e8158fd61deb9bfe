"""Rebuild the knowledge-base index when an article changes: one run queued once the change commits.

Debounced: while an activating rebuild is queued and not started, further changes add nothing (that
run reads the articles when it starts). A change during a build queues one more run. The signal
receivers at the bottom are thin adapters, connected in training/apps.py; ``index_rebuild_on_commit``
is the service.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from training.models import TrainingRun
from training.registry import dispatch
from training.registry.runs import StartTraining, run_fail
from training.retrieval.job import KIND, Trigger
from training.retrieval.kind import RETRIEVAL_INDEX

logger = logging.getLogger(__name__)

# A queued run older than this is presumed lost (its task message gone), so it no longer holds back a rebuild.
PENDING_FOR = dt.timedelta(hours=1)


def index_rebuild_on_commit() -> None:
    """Call inside the transaction that changed the knowledge base."""
    if settings.RETRIEVAL_REBUILD_ON_CHANGE:
        # robust: whatever goes wrong is logged; it must not fail the request whose change is already committed.
        transaction.on_commit(index_rebuild_queue, robust=True)


def index_rebuild_pending() -> TrainingRun | None:
    return (TrainingRun.objects.filter(kind=KIND, status=TrainingRun.Status.QUEUED,
                                       parameters__activate=True, created_at__gte=timezone.now() - PENDING_FOR)
            .order_by("-created_at").first())


def index_rebuild_queue() -> TrainingRun | None:
    """Queue an activating rebuild unless one is already waiting; returns the new run, if any."""
    if index_rebuild_pending() is not None:
        return None
    # Already after the commit: send now, and a run whose task could not be sent must not hold back the next change.
    run = StartTraining(user=None, kind=KIND, parameters={"trigger": Trigger.ARTICLE_CHANGE.value}).execute(enqueue=False)
    try:
        dispatch.task_send(RETRIEVAL_INDEX.task, run.pk)
    except Exception as exc:  # the broker is down: the change stays committed, the next one tries again
        run_fail(run, exc)
        return run
    logger.info("Knowledge base changed: index rebuild queued (run %s)", run.pk)
    return run


def article_changed(sender: type, raw: bool = False, **kwargs: object) -> None:
    if not raw:  # fixtures being loaded
        index_rebuild_on_commit()


def article_intents_changed(sender: type, action: str, **kwargs: object) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        index_rebuild_on_commit()

