"""Training over the API and in admin: who may start, activate, read reports and explanations."""


import pytest

from tests.factories import ConversationFactory, IntentFactory, MessageFactory
from tests.training.conftest import TINY
from training.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db


def test_staff_start_a_run_and_agents_cannot(staff_api, agent_api, integrator_api):
    assert agent_api.post("/api/v1/training-runs/", {"parameters": TINY}, format="json").status_code == 403
    response = staff_api.post("/api/v1/training-runs/", {"parameters": TINY}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert integrator_api.post("/api/v1/training-runs/", {}, format="json").status_code == 202
    listed = staff_api.get("/api/v1/training-runs/").json()
    assert listed["count"] == 2


def test_bad_training_options_get_a_clear_400(staff_api):
    response = staff_api.post("/api/v1/training-runs/", {"parameters": {"epochs": -1}}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "training_refused"
    assert "epochs" in response.json()["error"]["message"]
    assert not TrainingRun.objects.exists()


@pytest.mark.slow
def test_activation_and_reports_over_the_api(version_factory, staff_api, agent_api):
    v1, v2 = version_factory(active=True), version_factory()
    from pathlib import Path

    from training.intent.evaluation import evaluation_write

    evaluation_write(Path(v2.artifact_path))
    assert agent_api.post(f"/api/v1/model-versions/{v2.pk}/activate/").status_code == 403
    response = staff_api.post(f"/api/v1/model-versions/{v2.pk}/activate/")
    assert response.status_code == 200 and response.json()["is_active"]
    report = staff_api.get(f"/api/v1/model-versions/{v2.pk}/report/")
    assert report.status_code == 200 and {"accuracy", "macro_f1", "per_intent", "confusion_matrix"} <= set(report.json())
    image = staff_api.get(f"/api/v1/model-versions/{v2.pk}/report/confusion_matrix/")
    assert image.status_code == 200 and b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert staff_api.get(f"/api/v1/model-versions/{v1.pk}/report/").status_code == 404
    rolled = staff_api.post("/api/v1/model-versions/rollback/", {"kind": "intent"}, format="json")
    assert rolled.status_code == 200 and rolled.json()["id"] == v1.pk


@pytest.mark.slow
def test_a_corrupt_version_is_refused_over_the_api(version_factory, staff_api):
    good, bad = version_factory(active=True), version_factory(corrupt=True)
    response = staff_api.post(f"/api/v1/model-versions/{bad.pk}/activate/")
    assert response.status_code == 409 and "cannot be served" in response.json()["error"]["message"]
    assert ModelVersion.objects.get(is_active=True) == good


@pytest.mark.slow
def test_admin_report_page_and_explanation(version_factory, agent_web, staff_web, dataset):
    from pathlib import Path

    from training.intent.evaluation import evaluation_write

    version = version_factory(active=True)
    evaluation_write(Path(version.artifact_path))
    page = staff_web.get(f"/admin/training/modelversion/{version.pk}/report/")
    assert page.status_code == 200 and b"Confusion matrix" in page.content and b"Per intent" in page.content
    example = dataset.test[0]
    message = MessageFactory(conversation=ConversationFactory(), role="customer", text=example.text,
                             intent=IntentFactory(name=example.label))
    explained = agent_web.get(f"/admin/training/modelversion/explain/{message.pk}/")
    assert explained.status_code == 200
    words = [w for w in example.text.split() if w.isalpha()]
    assert all(w.encode() in explained.content for w in words[:3])


def test_admin_start_training_form(staff_web, agent_web):
    assert agent_web.post("/admin/training/trainingrun/start/", {"epochs": "2"}).status_code == 403
    response = staff_web.post("/admin/training/trainingrun/start/", {"epochs": "2", "activate": "on"})
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert run.parameters == {"epochs": 2, "activate": True} and run.started_by.username == "sam.staff"
    page = staff_web.get("/admin/training/trainingrun/")
    assert b"Start training" in page.content
