"""A run's task delivered twice (acks_late after a lost worker): two attempts may overlap; only the
latest may register a version or set the run's status, and neither deletes the other's folder."""

from __future__ import annotations

import pytest
from django.db import transaction

from training.models import TrainingRun
from training.registry.attempts import RunSuperseded, run_still_mine
from training.registry.runs import run_claim, run_fail, run_folder, run_succeed

pytestmark = pytest.mark.django_db


def test_an_overtaken_attempt_cannot_register_or_overwrite_the_outcome(settings, tmp_path):
    settings.MODEL_DIR = tmp_path
    run = TrainingRun.objects.create(kind="intent")
    first = run_claim(run.pk)
    second = run_claim(run.pk)  # redelivered while the first attempt still runs
    assert (first.attempts, second.attempts) == (1, 2)
    first_dir, second_dir = run_folder(first), run_folder(second)
    assert first_dir != second_dir
    first_dir.mkdir(parents=True)
    second_dir.mkdir(parents=True)

    with transaction.atomic():
        run_still_mine(second)
    run_succeed(second, None)
    with pytest.raises(RunSuperseded), transaction.atomic():
        run_still_mine(first)
    run_fail(first, RunSuperseded("late"), folder=first_dir)

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED and run.error == ""
    assert second_dir.is_dir() and not first_dir.exists()
    assert run_claim(run.pk) is None, "a finished run is not started again"
