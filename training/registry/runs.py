"""Training runs of any registered kind: start one (a permission-checked action), execute it (the
Celery task's body), report progress. Each attempt writes its own folder, so a duplicate delivery
never deletes the artifact of another attempt.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from conversations.errors import ChatError
from training.kinds import RunOutcome, kind_spec
from training.models import ModelVersion, TrainingRun
from training.registry import dispatch
from training.registry.attempts import RunSuperseded, attempt_claim, attempt_fail
from training.registry.versions import activate_after_training

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
Status = TrainingRun.Status


@dataclass
class StartTraining:
    """Staff or integrators start a run (fine-tuning, index build); agents may not."""

    user: AbstractBaseUser | None
    kind: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        if self.user is not None and not self.user.has_perm("training.start_trainingrun"):
            raise PermissionDenied("Starting training needs the 'start_trainingrun' permission.")
        self.parameters = kind_spec(self.kind).clean(self.parameters)

    def execute(self, *, enqueue: bool = True) -> TrainingRun:
        """Create the run; with enqueue a training worker picks it up once this transaction commits."""
        self.check()
        run = TrainingRun.objects.create(kind=self.kind, parameters=self.parameters, started_by=self.user)
        if enqueue:
            task = kind_spec(self.kind).task
            transaction.on_commit(lambda: dispatch.task_send(task, run.pk))
        return run


class ProgressWriter:
    """A progress callback that stores ``progress.to_dict()`` on the run, at most once a second."""

    def __init__(self, run: TrainingRun, echo: Any = None) -> None:
        self.run, self.echo, self.last = run, echo, 0.0

    def __call__(self, progress: Any) -> None:
        if self.echo is not None:
            self.echo(progress)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_SECONDS or progress.step >= progress.total_steps:
            self.last = now
            TrainingRun.objects.filter(pk=self.run.pk).update(progress=progress.to_dict())

    def stage(self, name: str, **details: Any) -> None:
        """Jobs without steps (index builds) report named stages instead."""
        TrainingRun.objects.filter(pk=self.run.pk).update(progress={"stage": name, **details})


def run_folder(run: TrainingRun) -> Path:
    return Path(settings.MODEL_DIR) / run.kind / f"run-{run.pk}-attempt-{run.attempts}"


def run_claim(run_id: int) -> TrainingRun | None:
    """Mark the run running; None when it already finished (a redelivered task does nothing)."""
    return attempt_claim(TrainingRun, run_id, gave_up="Gave up after {attempts} attempts (the worker was lost each time).")


def run_fail(run: TrainingRun, exc: BaseException, *, folder: Path | None = None) -> None:
    """Record the error (type and message) and drop the attempt's partial artifact; serving is untouched.

    A superseded attempt only removes its own folder: the status belongs to the attempt that took over.
    """
    if isinstance(exc, RunSuperseded):
        logger.warning("%s", exc)
        attempt_fail(run, None, folder=folder)
        return
    logger.error("%s run %s failed: %s", run.kind, run.pk, exc, exc_info=exc)
    attempt_fail(run, f"{type(exc).__name__}: {exc}", folder=folder)


def run_execute(*, run_id: int, echo: Any = None) -> ModelVersion | None:
    """Claim the run, train into this attempt's folder, register, and activate when asked.

    Returns the new version, the active version when the job found it already up to date (an index
    of an unchanged knowledge base), or None when the run failed or had already finished. A failure
    marks the run failed with its error and removes the attempt's folder; serving is untouched.
    """
    run = run_claim(run_id)
    if run is None:
        return None
    folder = run_folder(run)
    try:
        outcome = kind_spec(run.kind).train(run, folder, ProgressWriter(run, echo))
    except Exception as exc:
        run_fail(run, exc, folder=folder)
        return None
    run_succeed(run, outcome)
    if outcome.new and run.parameters.get("activate"):
        try:
            # Activates now, or once the version's bias audit has passed when the gate is on.
            activate_after_training(version=outcome.version, user=run.started_by)
        except ChatError as exc:
            _mine(run).update(error=f"Registered {outcome.version} but did not activate it: {exc.message}"[:4000])
    return outcome.version


def run_succeed(run: TrainingRun, outcome: RunOutcome | None) -> None:
    """This attempt's run succeeded, with the version it registered (none when it found the active one up to date)."""
    version = outcome.version if outcome is not None and outcome.new else None
    fields = {"progress": outcome.progress} if outcome is not None and outcome.progress is not None else {}
    _mine(run).update(status=Status.SUCCEEDED, finished_at=timezone.now(), model_version=version, **fields)


def _mine(run: TrainingRun) -> Any:
    return TrainingRun.objects.filter(pk=run.pk, attempts=run.attempts)
