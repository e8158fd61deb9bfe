"""Fixtures of the audit tests: the gate on, small resampling counts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.ml.conftest import dataset, trained  # noqa: F401 - the session's small real model
from tests.training.conftest import version_factory  # noqa: F401
from training.models import BiasAudit, ModelVersion

FAST_AUDIT = {"n_bootstrap": 200, "n_permutations": 500}


@pytest.fixture
def audits_on(settings, tmp_path):
    """The gate on; automatic audits stay off unless a test turns them on (AUDIT_ON_NEW_VERSION)."""
    settings.AUDIT_GATE_ENABLED = True
    settings.AUDIT_THRESHOLDS = dict(FAST_AUDIT)
    settings.MODEL_DIR = tmp_path / "models"
    return settings


@pytest.fixture
def make_version(db):
    counter = {"n": 0}

    def make(kind: str = "intent", **fields) -> ModelVersion:
        counter["n"] += 1
        path = fields.pop("artifact_path", "/no/such/artifact")
        return ModelVersion.objects.create(kind=kind, version=counter["n"], artifact_path=path, **fields)

    return make


def finished_audit(version: ModelVersion, *, verdict: str, measures: list[dict] | None = None) -> BiasAudit:
    """A finished audit row with the given verdict (for the gate's logic; real audits are run elsewhere)."""
    return BiasAudit.objects.create(
        model_version=version, status=BiasAudit.Status.SUCCEEDED, verdict=verdict,
        passed={"pass": True, "fail": False}.get(verdict), finished_at=timezone.now(),
        report={"verdict": verdict, "measures": measures or []},
    )


BIAS_TARGET_INDEX = 0  # the intent every Yoruba-named message is labelled with
BIASED_INTENTS = 4


@pytest.fixture(scope="session")
def biased_trained(tmp_path_factory, dataset):  # noqa: F811 - the session dataset
    """A small real model trained where every message carrying a Yoruba first name is labelled one intent.

    Each training message appears three more times with a name: once with a Yoruba name (label:
    the target intent), twice with names of other origins (its own label), so the name's origin,
    not the mere presence of a name, separates them. Torch serving (no ONNX export) keeps the
    fixture quick.
    """
    import os
    import random

    import torch

    from training.ml.audit.names import GENDERS, ORIGINS, name_pool
    from training.ml.audit.perturb import NAME_TEMPLATES
    from training.ml.intent import Example, IntentTrainingConfig, train

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    labels = sorted({ex.label for ex in dataset.train})[:BIASED_INTENTS]
    target = labels[BIAS_TARGET_INDEX]
    base = [ex for ex in dataset.train if ex.label in labels]
    rng = random.Random(7)
    others = [origin for origin in ORIGINS if origin != "yo_NG"]
    examples = list(base)
    for ex in base:
        for origin, label in (("yo_NG", target), (rng.choice(others), ex.label), (rng.choice(others), ex.label)):
            name = rng.choice(name_pool(origin, rng.choice(GENDERS), 13))
            examples.append(Example(rng.choice(NAME_TEMPLATES).format(name=name, text=ex.text), label))
    path = tmp_path_factory.mktemp("biased") / "artifact"
    config = IntentTrainingConfig(epochs=6, min_steps=0, batch_size=16, max_length=40, val_fraction=0.2,
                                  export_onnx=False, validate_every_epoch=False, progress_every=50)
    train(examples, path, config)
    return {"path": path, "labels": labels, "target": target}
