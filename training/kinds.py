"""What a model kind is, declared once: how to train, load, check, evaluate and audit it.

Each capability folder (``intent/``, ``retrieval/``, ``responder/``) writes one ``KindSpec`` in its
``kind.py``, and ``training/apps.py`` registers it when Django starts. The registry, serving, the
admin, the API and the tasks look kinds up here and never import a capability folder, so adding a
kind touches its own folder and one line in ``apps.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from training.errors import TrainingRefused
from training.models import ModelVersion, TrainingRun

# What serving knows of the active version it loads: id, version, artifact_path, hyperparameters.
ServedRow = dict[str, Any]


class Progress(Protocol):
    """The progress writer a run's job reports to (registry.runs.ProgressWriter)."""

    def __call__(self, progress: Any) -> None: ...  # a training.ml TrainingProgress

    def stage(self, name: str, **details: Any) -> None: ...


@dataclass(frozen=True)
class RunOutcome:
    """What a run's job produced: a new version, or the active one it found already up to date."""

    version: ModelVersion
    new: bool = True
    progress: dict[str, Any] | None = None  # the run's final progress, when the job sets one


@dataclass(frozen=True)
class AuditInputs:
    """What a bias audit of one version measures besides the served pipeline's replies."""

    predict: Callable[[list[str]], list[Any]] | None = None  # texts -> predictions, for classifiers
    messages: list[tuple[str, str]] = field(default_factory=list)  # held-out (text, label) to perturb
    # The version as its pipeline slot's component, audited in place of the served one (None: built by ``load``).
    component: Any = None


@dataclass(frozen=True)
class KindSpec:
    name: str  # stored in ModelVersion.kind and TrainingRun.kind; also the folder of its artifacts
    label: str
    # Options of a run -> cleaned options; raises TrainingRefused before anything is queued.
    clean: Callable[[dict[str, Any]], dict[str, Any]]
    # The body of a run, in a worker: train into the attempt's folder and register the version.
    train: Callable[[TrainingRun, Path, Progress], RunOutcome]
    # Load the artifact and use it once; raises on a stale, corrupt or missing artifact.
    check: Callable[[ModelVersion], None]
    # The active version as a serving object (hot-switched by training.serving.slots).
    load: Callable[[ServedRow], Any] | None = None
    # The chat pipeline's slot it fills: "classifier", "retriever" or "responder".
    pipeline_role: str | None = None
    # The stored evaluation report of a version (JSON), or None.
    evaluation: Callable[[ModelVersion], dict[str, Any] | None] | None = None
    # Kinds with an audit hook are bias-audited and gated (training.registry.gate).
    audit: Callable[[ModelVersion], AuditInputs] | None = None
    # Shown in the admin's "Start training" form when set.
    admin_choice: str = ""
    # Celery task that executes a run of this kind, by name.
    task: str = "training.tasks.execute_run"


_specs: dict[str, KindSpec] = {}


def kind_register(spec: KindSpec) -> None:
    known = _specs.get(spec.name)
    if known is not None and known is not spec:
        raise ValueError(f"Another spec is already registered for the kind {spec.name!r}.")
    _specs[spec.name] = spec


def kind_unregister(name: str) -> None:
    _specs.pop(name, None)


def kind_find(name: str) -> KindSpec | None:
    return _specs.get(name)


def kind_spec(name: str) -> KindSpec:
    """The spec of a kind that can be trained; an unknown kind is refused with the API's error."""
    spec = _specs.get(name)
    if spec is None:
        raise TrainingRefused(f"Training {name} models is not available yet.")
    return spec


def kind_specs() -> list[KindSpec]:
    return list(_specs.values())


def kind_for_role(role: str) -> KindSpec | None:
    return next((s for s in _specs.values() if s.pipeline_role == role), None)


def kind_choices() -> list[tuple[str, str]]:
    """The registered kinds as model-field choices (evaluated when read, so registration order does not matter)."""
    return [(s.name, s.label) for s in _specs.values()]
