"""What every kind of run shares: claim (attempts), progress writes, failure and success marking.

A run's task may be delivered more than once (tasks are acknowledged late, so a lost worker's task
is redelivered): ``run_claim`` makes a finished run a no-op and gives up after MAX_ATTEMPTS starts.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from training.models import ModelVersion, TrainingRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PROGRESS_EVERY_SECONDS = 1.0
Status = TrainingRun.Status


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


def run_claim(run_id: int) -> TrainingRun | None:
    """Mark the run running; None when it already finished (a redelivered task does nothing)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.status in (Status.SUCCEEDED, Status.FAILED):
            return None
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.error, run.finished_at = Status.FAILED, f"Gave up after {run.attempts} attempts (the worker was lost each time).", timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
            return None
        run.status, run.started_at, run.attempts, run.error = Status.RUNNING, timezone.now(), run.attempts + 1, ""
        run.save(update_fields=["status", "started_at", "attempts", "error"])
        return run


class RunSuperseded(Exception):
    """A later attempt of the same run took over (the task was delivered twice); this one must not register."""


def run_folder(run: TrainingRun, kind_dir: str) -> Path:
    """Each attempt writes its own folder, so a duplicate delivery never deletes the artifact of another attempt."""
    return Path(settings.MODEL_DIR) / kind_dir / f"run-{run.pk}-attempt-{run.attempts}"


def run_still_mine(run: TrainingRun) -> None:
    """Call inside the transaction that registers the version: locks the run and raises when superseded."""
    current = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if current.attempts != run.attempts or current.status != Status.RUNNING:
        raise RunSuperseded(f"attempt {run.attempts} of run {run.pk} was superseded (now attempt {current.attempts}, {current.status})")


def _mine(run: TrainingRun) -> Any:
    return TrainingRun.objects.filter(pk=run.pk, attempts=run.attempts)


def run_fail(run: TrainingRun, exc: BaseException, *, folder: Path | None = None) -> None:
    """Record the error (type and message) and drop the attempt's partial artifact; serving is untouched.

    A superseded attempt only removes its own folder: the status belongs to the attempt that took over.
    """
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    if isinstance(exc, RunSuperseded):
        logger.warning("%s", exc)
        return
    logger.error("%s run %s failed: %s", run.kind, run.pk, exc, exc_info=exc)
    _mine(run).update(status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000], finished_at=timezone.now())


def run_succeed(run: TrainingRun, version: ModelVersion | None, **fields: Any) -> None:
    _mine(run).update(status=Status.SUCCEEDED, finished_at=timezone.now(), model_version=version, **fields)


def run_execute(*, run_id: int, kind_dir: str, train_and_register: Callable[[TrainingRun, Path], ModelVersion]) -> ModelVersion | None:
    """Claim the run, train into this attempt's folder, register, and activate when asked.

    A failure marks the run failed with its error and removes the attempt's folder; serving is untouched.
    """
    run = run_claim(run_id)
    if run is None:
        return None
    folder = run_folder(run, kind_dir)
    try:
        version = train_and_register(run, folder)
    except Exception as exc:
        run_fail(run, exc, folder=folder)
        return None
    run_succeed(run, version)
    if run.parameters.get("activate"):
        from training.audit import activate_after_training

        # Activates now, or once the version's bias audit has passed when the gate is on.
        activate_after_training(version=version, user=run.started_by)
    return version
