"""Responder runs on the platform: options checked before queueing, a real tiny run registers a
version that activates and serves, and bad input fails the run with the served version untouched."""

from __future__ import annotations

import pytest

from conversations.demo import demo_data_load
from tests.training.responder_index import demo_index  # noqa: F401 - fixture
from training.errors import ActivationRefused, TrainingRefused
from training.models import ModelVersion, TrainingRun
from training.registry import versions as registry
from training.registry.runs import StartTraining
from training.registry.runs import run_execute as responder_training_execute

pytestmark = pytest.mark.django_db

TINY = {"max_steps": 1, "batch_size": 1, "grad_accum": 1, "max_length": 256, "max_prompt_tokens": 200,
        "max_reply_tokens": 48, "max_new_tokens": 8, "held_out_fraction": 0.02, "device": "cpu",
        "evaluation_pairs": 1, "torch_threads": 1}


@pytest.fixture
def model_dir(settings, tmp_path, responder_base_dir):
    settings.MODEL_DIR = tmp_path
    # The shared converted base (made on first use; a fresh clone has none yet).
    responder_base_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "base").symlink_to(responder_base_dir, target_is_directory=True)
    return tmp_path


def _start(staff, **parameters) -> TrainingRun:  # noqa: ANN001
    return StartTraining(user=staff, kind="responder", parameters=parameters).execute(enqueue=False)


@pytest.mark.parametrize(("parameters", "message"), [
    ({"epochs": 0}, "Invalid responder options"),
    ({"method": "qlora"}, "Invalid responder options"),
    ({"learning_rate_typo": 1}, "Unknown responder option"),
    ({"evaluation_pairs": 0}, "evaluation_pairs"),
])
def test_bad_options_are_refused_before_anything_is_queued(staff, parameters, message):
    with pytest.raises(TrainingRefused, match=message):
        _start(staff, **parameters)
    assert not TrainingRun.objects.exists()


def test_agents_cannot_start_responder_training(agent):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _start(agent)


def test_too_little_data_fails_the_run_clearly_and_keeps_the_served_version(staff, model_dir):
    served = ModelVersion.objects.create(kind="responder", version=1, artifact_path="/elsewhere", is_active=True)
    run = _start(staff, **TINY)
    assert responder_training_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and "pairs" in run.error
    assert list(ModelVersion.objects.filter(kind="responder")) == [served] and served.is_active
    assert not list((model_dir / "responder").glob(f"run-{run.pk}-*"))


def test_without_an_active_index_the_run_fails_with_the_reason(staff, model_dir, settings):
    settings.PII_ANONYMIZE = False
    demo_data_load()
    run = _start(staff, **TINY)
    assert responder_training_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and "no active knowledge-base index" in run.error


@pytest.mark.slow
@pytest.mark.usefixtures("demo_index")
def test_a_base_model_that_cannot_load_fails_the_run(staff, model_dir):
    run = _start(staff, **TINY, base_model=str(model_dir / "no-such-model"))
    assert responder_training_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and "cannot be loaded" in run.error


@pytest.mark.slow
@pytest.mark.usefixtures("demo_index")
def test_a_tiny_run_on_the_demo_data_registers_a_version_that_activates(staff, model_dir, settings):
    run = _start(staff, **TINY)
    version = responder_training_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert version.kind == "responder" and version.version == 1 and run.model_version == version
    assert version.base_model == settings.RESPONDER_BASE_MODEL
    metrics = version.metrics
    assert metrics["pairs_by_source"]["agent_reply"] > 0 and metrics["pairs_by_source"]["knowledge_base"] > 0
    assert metrics["pairs_grounding"]["sentences_unsupported"] > 0
    assert metrics["evaluation"]["n_pairs"] == 1 and metrics["evaluation"]["perplexity"] > 1
    assert run.progress["step"] == run.progress["total_steps"] == 1
    registry.version_activate(version=version, user=staff)
    assert ModelVersion.objects.get(pk=version.pk).is_active
    # A run that already finished is not run again when its task is delivered twice.
    assert responder_training_execute(run_id=run.pk) is None
    assert ModelVersion.objects.filter(kind="responder").count() == 1


def test_a_corrupt_responder_artifact_is_refused_at_activation(staff, tmp_path):
    (tmp_path / "meta.json").write_text('{"kind": "intent", "format_version": 1}')
    version = ModelVersion.objects.create(kind="responder", version=1, artifact_path=str(tmp_path))
    with pytest.raises(ActivationRefused, match="cannot be served"):
        registry.version_activate(version=version, user=staff)
    assert not ModelVersion.objects.get(pk=version.pk).is_active
