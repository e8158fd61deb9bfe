"""Training runs end to end: a real Celery worker fine-tunes a small model; failures leave serving alone."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from chatbot.celery import app
from tests.training.conftest import TINY, artifact_files
from training.errors import TrainingRefused
from training.models import ModelVersion, TrainingRun
from training.registry.attempts import MAX_ATTEMPTS
from training.registry.runs import StartTraining, run_execute

pytestmark = pytest.mark.slow


@pytest.mark.django_db(transaction=True)
def test_a_worker_trains_registers_and_activates_a_version(tiny_intent_data, staff, tmp_path, settings):
    settings.MODEL_DIR = tmp_path / "models"
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=["training"]):
        with transaction.atomic():
            run = StartTraining(user=staff, kind="intent", parameters={**TINY, "activate": True}).execute()
        assert TrainingRun.objects.get(pk=run.pk).status == TrainingRun.Status.QUEUED
        import time

        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (TrainingRun.Status.SUCCEEDED, TrainingRun.Status.FAILED):
                break
            time.sleep(0.5)
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.attempts == 1
    assert run.progress["step"] == run.progress["total_steps"] > 0
    assert run.progress["epoch"] == run.progress["total_epochs"]
    version = run.model_version
    assert version.is_active and version.version == 1 and version.created_by == staff
    assert len(version.data_hash) == 64
    assert version.hyperparameters["epochs"] == TINY["epochs"]
    evaluation = version.metrics["evaluation"]
    assert 0 <= evaluation["accuracy"] <= 1 and "oos_recall" in evaluation
    assert version.metrics["serving"]["serving"] in ("int8", "fp32")
    files = artifact_files(version.artifact_path)
    assert {"meta.json", "report.json", "confusion_matrix.png", "confidence_histogram.png", "model.onnx"} <= files


@pytest.mark.django_db
def test_a_failing_run_is_marked_failed_and_serving_is_untouched(tiny_intent_data, version_factory, staff):
    active = version_factory(active=True)
    run = StartTraining(user=staff, kind="intent", parameters={**TINY, "base_model": "/no/such/model"}).execute(enqueue=False)
    assert run_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert "no/such/model" in run.error
    assert list(ModelVersion.objects.filter(is_active=True)) == [active]
    assert ModelVersion.objects.count() == 1
    # A redelivered task for a finished run does nothing.
    assert run_execute(run_id=run.pk) is None
    assert TrainingRun.objects.get(pk=run.pk).attempts == 1


@pytest.mark.django_db
def test_a_run_whose_worker_was_lost_too_often_is_failed(staff):
    run = StartTraining(user=staff, kind="intent", parameters=TINY).execute(enqueue=False)
    TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.RUNNING, attempts=MAX_ATTEMPTS)
    assert run_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and "attempts" in run.error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"epochz": 3}, "Unknown training option"),
        ({"epochs": 0}, "Invalid training options"),
        ({"data_csv": "/no/such.csv"}, "No CSV file"),
        ({"fit_validation_rows": True}, "benchmark option"),
    ],
)
def test_bad_options_are_refused_before_anything_is_queued(staff, parameters, message):
    with pytest.raises(TrainingRefused, match=message):
        StartTraining(user=staff, kind="intent", parameters=parameters).execute()
    assert not TrainingRun.objects.exists()


@pytest.mark.django_db
def test_agents_cannot_start_training(agent):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        StartTraining(user=agent, kind="intent", parameters=TINY).execute()
    assert not TrainingRun.objects.exists()
