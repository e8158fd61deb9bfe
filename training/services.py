"""Training runs: start one (a permission-checked action), execute it (called by the Celery task)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.module_loading import import_string

from training import registry
from training.data import intent_data_from_db
from training.errors import TrainingRefused
from training.models import ModelKind, ModelVersion, TrainingRun
from training.runs import MAX_ATTEMPTS, PROGRESS_EVERY_SECONDS, ProgressWriter, run_execute, run_still_mine

logger = logging.getLogger(__name__)

__all__ = ["MAX_ATTEMPTS", "PROGRESS_EVERY_SECONDS", "RUN_KINDS", "RunKind", "StartTraining", "intent_training_execute",
           "training_parameters_clean"]


@dataclass(frozen=True)
class RunKind:
    clean: str  # dotted path of parameters -> cleaned parameters (raises TrainingRefused)
    task: str  # dotted path of the Celery task that executes a run of this kind


# The kinds of run that can be started; adding a kind is one entry here.
RUN_KINDS: dict[str, RunKind] = {
    ModelKind.INTENT: RunKind("training.services.training_parameters_clean", "training.tasks.train_intent_classifier"),
    ModelKind.RETRIEVAL_INDEX: RunKind("training.retrieval_index.index_parameters_clean", "training.tasks.build_retrieval_index"),
    ModelKind.RESPONDER: RunKind("training.responder_training.responder_parameters_clean", "training.tasks.train_responder"),
}


@dataclass
class StartTraining:
    """Staff or integrators start a run (fine-tuning, index build); agents may not."""

    user: AbstractBaseUser | None
    kind: str = ModelKind.INTENT
    parameters: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        if self.user is not None and not self.user.has_perm("training.start_trainingrun"):
            raise PermissionDenied("Starting training needs the 'start_trainingrun' permission.")
        if self.kind not in RUN_KINDS:
            raise TrainingRefused(f"Training {self.kind} models is not available yet.")
        self.parameters = import_string(RUN_KINDS[self.kind].clean)(self.parameters)

    def execute(self, *, enqueue: bool = True) -> TrainingRun:
        """Create the run; with enqueue a training worker picks it up once this transaction commits."""
        self.check()
        run = TrainingRun.objects.create(kind=self.kind, parameters=self.parameters, started_by=self.user)
        if enqueue:
            task = import_string(RUN_KINDS[self.kind].task)
            transaction.on_commit(lambda: task.delay(run.pk))
        return run


def training_parameters_clean(parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse bad options before anything is queued."""
    from training.ml.intent import IntentTrainingConfig

    allowed = set(IntentTrainingConfig.defaults()) | {"activate", "data_csv"}
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise TrainingRefused(f"Unknown training option(s): {', '.join(unknown)}.")
    clean = dict(parameters)
    try:
        IntentTrainingConfig.from_dict({k: v for k, v in clean.items() if k not in ("activate", "data_csv")})
    except (TypeError, ValueError) as exc:
        raise TrainingRefused(f"Invalid training options: {exc}") from None
    if "data_csv" in clean and not Path(str(clean["data_csv"])).is_file():
        raise TrainingRefused(f"No CSV file at {clean['data_csv']}.")
    clean["activate"] = bool(clean.get("activate", False))
    return clean


def _load_examples(run: TrainingRun) -> tuple[list[Any], list[str]]:
    from training.ml.intent import Example, load_csv

    csv_path = run.parameters.get("data_csv")
    if csv_path:
        return load_csv(csv_path), []
    data = intent_data_from_db()
    return [Example(text=t, label=label) for t, label in data.examples], data.oos_texts


def intent_training_execute(*, run_id: int, echo: Any = None) -> ModelVersion | None:
    """Fine-tune, export, evaluate and register a version. A failure marks the run failed; serving is untouched."""
    return run_execute(run_id=run_id, kind_dir="intent", train_and_register=lambda run, folder: _train_and_register(run, folder, echo))


def _train_and_register(run: TrainingRun, folder: Path, echo: Any) -> ModelVersion:
    from training.ml.intent import IntentTrainingConfig, train

    from training.evaluation import evaluation_write

    examples, oos = _load_examples(run)
    options = {k: v for k, v in run.parameters.items() if k not in ("activate", "data_csv")}
    config = IntentTrainingConfig.from_dict(options)
    # A retried attempt starts clean: the folder of a lost attempt is incomplete.
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    # train() also exports ONNX fp32/int8 and records which one to serve (meta["onnx"]).
    result = train(examples, folder, config, oos_texts=oos, progress=ProgressWriter(run, echo))
    onnx = result.meta.get("onnx") or {}
    serving = {"serving": onnx.get("selected", "torch"), "validation_accuracy": onnx.get("validation_accuracy", {})}
    metrics = {**result.metrics, "serving": serving, "evaluation": evaluation_write(folder)}
    with transaction.atomic():
        run_still_mine(run)
        version = ModelVersion.objects.create(
            kind=ModelKind.INTENT,
            version=registry.next_version_number(ModelKind.INTENT),
            base_model=result.meta.get("base_model") or result.meta.get("base_model_source") or "",
            hyperparameters=config.to_dict(),
            data_hash=(result.meta.get("data") or {}).get("sha256", ""),
            metrics=metrics,
            artifact_path=str(folder),
            format_version=result.meta.get("format_version", 1),
            created_by=run.started_by,
        )
    return version
