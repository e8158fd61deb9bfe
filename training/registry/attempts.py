"""One attempt of a queued job (a training run or a bias audit): claim it, check it is still
ours, record its failure.

A job's task may be delivered more than once (tasks are acknowledged late, so a lost worker's
task is redelivered): a claim makes a finished job a no-op and gives up after MAX_ATTEMPTS starts.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone

from training.models import BiasAudit, TrainingRun

MAX_ATTEMPTS = 3
Job = TypeVar("Job", TrainingRun, BiasAudit)
Status = TrainingRun.Status  # BiasAudit.Status has the same values


def attempt_claim(model: type[Job], pk: int, *, gave_up: str, related: tuple[str, ...] = ()) -> Job | None:
    """Mark the job running for one more attempt; None when it already finished or has had its attempts.

    ``gave_up`` is the error recorded after MAX_ATTEMPTS lost starts; ``{attempts}`` is filled in.
    """
    with transaction.atomic():
        job = model.objects.select_for_update().select_related(*related).get(pk=pk)
        if job.status in (Status.SUCCEEDED, Status.FAILED):
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.error, job.finished_at = Status.FAILED, gave_up.format(attempts=job.attempts), timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            return None
        job.status, job.started_at, job.attempts, job.error = Status.RUNNING, timezone.now(), job.attempts + 1, ""
        job.save(update_fields=["status", "started_at", "attempts", "error"])
        return job


class RunSuperseded(Exception):
    """A later attempt of the same run took over (the task was delivered twice); this one must not register."""


def run_still_mine(run: TrainingRun) -> None:
    """Call inside the transaction that registers the version: locks the run and raises when superseded."""
    current = TrainingRun.objects.select_for_update().get(pk=run.pk)
    if current.attempts != run.attempts or current.status != Status.RUNNING:
        raise RunSuperseded(f"attempt {run.attempts} of run {run.pk} was superseded (now attempt {current.attempts}, {current.status})")


def attempt_fail(job: models.Model, error: str | None, *, folder: Path | None = None) -> None:
    """Drop the attempt's partial files and record the error (None: a superseded attempt, whose job
    row belongs to the attempt that took over); serving is untouched."""
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    if error is None:
        return
    rows = type(job).objects.filter(pk=job.pk, attempts=job.attempts)
    rows.update(status=Status.FAILED, error=error[:4000], finished_at=timezone.now())
