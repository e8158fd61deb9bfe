"""A model kind is declared once: a spec registered with one line is trained by the tasks, activated
and rolled back by the registry, offered by the API and served by every process, with no other change."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celery import current_app

from tests.conversations.test_api_conversations import assert_error
from training.errors import TrainingRefused
from training.kinds import KindSpec, Progress, RunOutcome, ServedRow, kind_register, kind_unregister
from training.ml.common.errors import ArtifactError
from training.models import ModelVersion, TrainingRun
from training.registry import dispatch
from training.registry.versions import version_register
from training.serving.slots import served, slots_reset

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Echo:
    word: str
    version: int


def _clean(parameters: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(parameters) - {"activate", "word"})
    if unknown:
        raise TrainingRefused(f"Unknown echo option(s): {', '.join(unknown)}.")
    return {"activate": bool(parameters.get("activate", False)), "word": str(parameters.get("word", "hello"))}


def _train(run: TrainingRun, folder: Path, progress: Progress) -> RunOutcome:
    folder.mkdir(parents=True)
    (folder / "word.txt").write_text(run.parameters["word"])
    progress.stage("written")
    return RunOutcome(version_register(kind="echo", artifact_path=folder, run=run, metrics={"letters": len(run.parameters["word"])}))


def _check(version: ModelVersion) -> None:
    if not (Path(version.artifact_path) / "word.txt").is_file():
        raise ArtifactError("the artifact has no word.txt")


def _load(row: ServedRow) -> Echo:
    return Echo((Path(row["artifact_path"]) / "word.txt").read_text(), row["version"])


ECHO = KindSpec(name="echo", label="Echo model", clean=_clean, train=_train, check=_check, load=_load)


@pytest.fixture
def echo_kind(settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"
    kind_register(ECHO)
    slots_reset()
    yield ECHO
    kind_unregister("echo")
    slots_reset()


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, int]]:
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(dispatch, "task_send", lambda name, object_id: sent.append((name, object_id)))
    return sent


def _train_over_the_api(api, queued, capture, word: str) -> ModelVersion:  # noqa: ANN001
    with capture(execute=True):
        response = api.post("/api/v1/training-runs/", {"kind": "echo", "parameters": {"word": word, "activate": True}}, format="json")
    assert response.status_code == 202, response.json()
    name, run_id = queued[-1]
    assert (name, run_id) == ("training.tasks.execute_run", response.json()["id"])
    current_app.loader.import_default_modules()  # what a worker does first: find the apps' tasks
    version_pk = current_app.tasks[name](run_id)  # the worker's task, run here
    run = TrainingRun.objects.get(pk=run_id)
    assert (run.status, run.model_version_id, run.progress) == ("succeeded", version_pk, {"stage": "written"})
    return ModelVersion.objects.get(pk=version_pk)


def test_a_registered_kind_is_trained_activated_served_and_rolled_back(echo_kind, queued, staff_api,
                                                                         django_capture_on_commit_callbacks):
    v1 = _train_over_the_api(staff_api, queued, django_capture_on_commit_callbacks, "kestrel")
    assert (v1.kind, v1.version, v1.is_active, v1.metrics) == ("echo", 1, True, {"letters": 7})
    assert served("echo") == Echo("kestrel", 1)

    v2 = _train_over_the_api(staff_api, queued, django_capture_on_commit_callbacks, "heron")
    assert served("echo", wait=True) == Echo("heron", 2)
    listed = staff_api.get("/api/v1/model-versions/", {"kind": "echo"}).json()["results"]
    assert [(v["version"], v["is_active"]) for v in listed] == [(2, True), (1, False)]

    response = staff_api.post("/api/v1/model-versions/rollback/", {"kind": "echo"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 1
    assert served("echo", wait=True) == Echo("kestrel", 1)
    v2.refresh_from_db()
    assert not v2.is_active


def test_its_own_rules_refuse_bad_options_and_broken_artifacts(echo_kind, queued, staff_api, django_capture_on_commit_callbacks):
    error = assert_error(staff_api.post("/api/v1/training-runs/", {"kind": "echo", "parameters": {"colour": "red"}},
                                        format="json"), 400)
    assert "colour" in error["message"] and not TrainingRun.objects.exists()
    v1 = _train_over_the_api(staff_api, queued, django_capture_on_commit_callbacks, "kestrel")
    (Path(v1.artifact_path) / "word.txt").unlink()
    v2 = version_register(kind="echo", artifact_path=v1.artifact_path)
    error = assert_error(staff_api.post(f"/api/v1/model-versions/{v2.pk}/activate/", {}, format="json"), 409)
    assert "has no word.txt" in error["message"]


def test_an_unregistered_kind_is_refused(staff_api):
    assert_error(staff_api.post("/api/v1/training-runs/", {"kind": "echo"}, format="json"), 400)
    assert not TrainingRun.objects.exists()
