"""Training runs: start one (a permission-checked action), execute it (called by the Celery task)."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from training import registry
from training.data import intent_data_from_db
from training.errors import TrainingRefused
from training.models import ModelKind, ModelVersion, TrainingRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PROGRESS_EVERY_SECONDS = 1.0
Status = TrainingRun.Status


@dataclass
class StartTraining:
    """Staff or integrators start a fine-tuning run; agents may not."""

    user: AbstractBaseUser | None
    kind: str = ModelKind.INTENT
    parameters: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        if self.user is not None and not self.user.has_perm("training.start_trainingrun"):
            raise PermissionDenied("Starting training needs the 'start_trainingrun' permission.")
        if self.kind != ModelKind.INTENT:
            raise TrainingRefused(f"Training {self.kind} models is not available yet.")
        self.parameters = training_parameters_clean(self.parameters)

    def execute(self, *, enqueue: bool = True) -> TrainingRun:
        """Create the run; with enqueue a training worker picks it up once this transaction commits."""
        self.check()
        run = TrainingRun.objects.create(kind=self.kind, parameters=self.parameters, started_by=self.user)
        if enqueue:
            from training import tasks

            transaction.on_commit(lambda: tasks.train_intent_classifier.delay(run.pk))
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


class _ProgressWriter:
    def __init__(self, run: TrainingRun, echo: Any = None) -> None:
        self.run, self.echo, self.last = run, echo, 0.0

    def __call__(self, progress: Any) -> None:
        if self.echo is not None:
            self.echo(progress)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_SECONDS or progress.step >= progress.total_steps:
            self.last = now
            TrainingRun.objects.filter(pk=self.run.pk).update(progress=progress.to_dict())


def _claim(run_id: int) -> TrainingRun | None:
    """Mark the run running; None when it already finished (a redelivered task does nothing)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.status in (Status.SUCCEEDED, Status.FAILED):
            return None
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.error, run.finished_at = Status.FAILED, f"Gave up after {run.attempts} attempts (the worker was lost each time).", timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
            return None
        run.status, run.started_at, run.attempts, run.error = Status.RUNNING, timezone.now(), run.attempts + 1, ""
        run.save(update_fields=["status", "started_at", "attempts", "error"])
        return run


def _load_examples(run: TrainingRun) -> tuple[list[Any], list[str]]:
    from training.ml.intent import Example, load_csv

    csv_path = run.parameters.get("data_csv")
    if csv_path:
        return load_csv(csv_path), []
    data = intent_data_from_db()
    return [Example(text=t, label=label) for t, label in data.examples], data.oos_texts


def intent_training_execute(*, run_id: int, echo: Any = None) -> ModelVersion | None:
    """Fine-tune, export, evaluate and register a version. A failure marks the run failed; serving is untouched."""
    run = _claim(run_id)
    if run is None:
        return None
    folder = Path(settings.MODEL_DIR) / "intent" / f"run-{run.pk}"
    try:
        version = _train_and_register(run, folder, echo)
    except Exception as exc:
        logger.exception("Intent training run %s failed", run.pk)
        shutil.rmtree(folder, ignore_errors=True)
        TrainingRun.objects.filter(pk=run.pk).update(status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000], finished_at=timezone.now())
        return None
    TrainingRun.objects.filter(pk=run.pk).update(status=Status.SUCCEEDED, finished_at=timezone.now(), model_version=version)
    if run.parameters.get("activate"):
        registry.version_activate(version=version, user=run.started_by)
    return version


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
    result = train(examples, folder, config, oos_texts=oos, progress=_ProgressWriter(run, echo))
    onnx = result.meta.get("onnx") or {}
    serving = {"serving": onnx.get("selected", "torch"), "validation_accuracy": onnx.get("validation_accuracy", {})}
    metrics = {**result.metrics, "serving": serving, "evaluation": evaluation_write(folder)}
    with transaction.atomic():
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
