"""Fixtures for the Django side of training: model versions over a real, small trained artifact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conversations.models import Intent, TrainingExample
from tests.ml.conftest import dataset, trained  # noqa: F401 - the session's small real model
from training.models import ModelVersion

# Tiny but real: trains in seconds on two cores.
TINY = {"epochs": 2, "min_steps": 0, "batch_size": 16, "max_length": 32, "val_fraction": 0.25, "progress_every": 1}


@pytest.fixture
def version_factory(trained, tmp_path, settings):
    """ModelVersion rows, each over its own copy of the session's trained artifact."""
    settings.MODEL_DIR = tmp_path / "models"
    counter = {"n": 0}

    def make(*, active: bool = False, corrupt: bool = False) -> ModelVersion:
        counter["n"] += 1
        folder = tmp_path / f"artifact-{counter['n']}"
        shutil.copytree(trained.path, folder)
        if corrupt:
            (folder / "meta.json").write_text('{"format_version": 99}')
        version = ModelVersion.objects.create(kind="intent", version=counter["n"], artifact_path=str(folder))
        if active:
            from training.registry import versions as registry

            registry.version_activate(version=version)
        return version

    return make


@pytest.fixture
def tiny_intent_data(dataset):
    """The session dataset's training examples as database rows (intents, examples, oos)."""
    intents: dict[str, Intent] = {}
    for example in dataset.train:
        intent = intents.get(example.label) or Intent.objects.create(name=example.label)
        intents[example.label] = intent
        TrainingExample.objects.get_or_create(intent=intent, text=example.text)
    oos = Intent.objects.create(name="oos")
    for text in dataset.oos_train:
        TrainingExample.objects.get_or_create(intent=oos, text=text)
    return intents


def artifact_files(path: str) -> set[str]:
    return {p.name for p in Path(path).rglob("*") if p.is_file()}
