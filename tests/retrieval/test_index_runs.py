"""Index runs without a model: options, the API, bad knowledge bases, redelivery, the task and activation checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.models import KnowledgeArticle
from tests.conversations.test_api_conversations import assert_error
from tests.factories import KnowledgeArticleFactory
from training import tasks
from training.errors import ActivationRefused, TrainingRefused
from training.models import ModelVersion, TrainingRun
from training.registry import versions as registry
from training.registry.attempts import MAX_ATTEMPTS
from training.registry.runs import StartTraining
from training.registry.runs import run_execute as index_build_execute

pytestmark = pytest.mark.django_db
INDEX = "retrieval_index"


@pytest.fixture
def active_index(settings, tmp_path) -> ModelVersion:
    """A served index row; these builds fail before they could touch it."""
    settings.MODEL_DIR = tmp_path / "models"
    return ModelVersion.objects.create(kind=INDEX, version=1, is_active=True, artifact_path=str(tmp_path / "v1"))


def _build(**parameters: object) -> tuple[ModelVersion | None, TrainingRun]:
    run = StartTraining(user=None, kind=INDEX, parameters=parameters).execute(enqueue=False)
    version = index_build_execute(run_id=run.pk)
    run.refresh_from_db()
    return version, run


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"index_tipe": "flat"}, "Unknown index option"),
        ({"index_type": "ivf"}, "index_type must be"),
        ({"max_passage_tokens": 4}, "max_passage_tokens must be >= 16"),
        ({"min_score": 2}, "min_score must be a number between 0 and 1"),
        ({"min_score": "high"}, "min_score must be a number between 0 and 1"),
        ({"activate": "yes"}, "activate must be true or false"),
        ({"trigger": "cron"}, "trigger must be one of"),
    ],
)
def test_bad_index_options_are_refused_before_anything_is_queued(staff, parameters, message):
    with pytest.raises(TrainingRefused, match=message):
        StartTraining(user=staff, kind=INDEX, parameters=parameters).execute()
    assert not TrainingRun.objects.exists()


def test_staff_start_an_index_build_over_the_api(staff_api, staff):
    response = staff_api.post("/api/v1/training-runs/", {"kind": "retrieval_index", "parameters": {"index_type": "flat"}}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "retrieval_index" and body["status"] == "queued" and body["started_by"] == staff.username
    assert body["parameters"] == {"index_type": "flat", "activate": True, "trigger": "manual"}


def test_the_api_refuses_kinds_that_cannot_be_started_and_bad_options(staff_api, agent_api):
    assert_error(staff_api.post("/api/v1/training-runs/", {"kind": "bias_audit"}, format="json"), 400)
    assert_error(staff_api.post("/api/v1/training-runs/", {"kind": "responder", "parameters": {"epochs": 0}}, format="json"), 400)
    error = assert_error(staff_api.post("/api/v1/training-runs/", {"kind": "retrieval_index", "parameters": {"k": 3}}, format="json"), 400)
    assert "Unknown index option(s): k" in error["message"]
    assert_error(agent_api.post("/api/v1/training-runs/", {"kind": "retrieval_index"}, format="json"), 403)
    assert not TrainingRun.objects.exists()


def test_an_empty_knowledge_base_fails_the_run_and_the_active_index_stays(active_index):
    KnowledgeArticleFactory(published=False)  # a draft is not part of the knowledge base
    version, run = _build()
    assert version is None
    assert run.status == TrainingRun.Status.FAILED and run.finished_at is not None
    assert "no published articles" in run.error and "active index is unchanged" in run.error
    assert list(ModelVersion.objects.all()) == [active_index] and ModelVersion.objects.get().is_active
    assert not list((Path(active_index.artifact_path).parent / "models" / "retrieval_index").glob(f"run-{run.pk}-*"))


def test_a_published_article_without_text_fails_the_run_and_is_named(active_index):
    KnowledgeArticleFactory(slug="fine-article")
    blank = KnowledgeArticleFactory(slug="blank-article")
    KnowledgeArticle.objects.filter(pk=blank.pk).update(body="  \n\n \t")  # written past the API and admin checks
    version, run = _build()
    assert version is None and run.status == TrainingRun.Status.FAILED
    assert "without text: blank-article" in run.error and "fine-article" not in run.error
    assert list(ModelVersion.objects.filter(is_active=True)) == [active_index]


def test_a_finished_or_abandoned_run_is_not_run_again(active_index):
    version, run = _build()
    assert version is None and run.attempts == 1
    assert index_build_execute(run_id=run.pk) is None  # redelivered after it finished
    assert TrainingRun.objects.get(pk=run.pk).attempts == 1
    lost = StartTraining(user=None, kind=INDEX).execute(enqueue=False)
    TrainingRun.objects.filter(pk=lost.pk).update(status=TrainingRun.Status.RUNNING, attempts=MAX_ATTEMPTS)
    assert index_build_execute(run_id=lost.pk) is None
    assert "Gave up after 3 attempts" in TrainingRun.objects.get(pk=lost.pk).error


def test_the_task_executes_the_run_on_the_training_queue(active_index):
    from chatbot.celery import app

    run = StartTraining(user=None, kind=INDEX).execute(enqueue=False)
    assert tasks.build_retrieval_index(run.pk) is None  # runs the build in this process; the KB is empty
    assert TrainingRun.objects.get(pk=run.pk).status == TrainingRun.Status.FAILED
    assert app.amqp.router.route({}, "training.tasks.build_retrieval_index")["queue"].name == "training"


def test_an_index_version_whose_artifact_is_missing_cannot_be_activated(active_index, tmp_path):
    broken = ModelVersion.objects.create(kind=INDEX, version=2, artifact_path=str(tmp_path / "gone"))
    with pytest.raises(ActivationRefused, match="cannot be served"):
        registry.version_activate(version=broken)
    assert list(ModelVersion.objects.filter(is_active=True)) == [active_index]

