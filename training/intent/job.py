"""An intent run's body: fine-tune on the database examples (or a CSV), export, evaluate, register."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from training.intent.data import intent_data_from_db
from training.intent.evaluation import evaluation_write
from training.kinds import Progress, RunOutcome
from training.ml.intent import Example, IntentTrainingConfig, load_csv, train
from training.models import TrainingRun
from training.registry.versions import version_register

KIND = "intent"
PLATFORM_OPTIONS = ("activate", "data_csv")


def _examples(run: TrainingRun) -> tuple[list[Example], list[str]]:
    csv_path = run.parameters.get("data_csv")
    if csv_path:
        return load_csv(csv_path), []
    data = intent_data_from_db()
    return [Example(text=t, label=label) for t, label in data.examples], data.oos_texts


def intent_train(run: TrainingRun, folder: Path, progress: Progress) -> RunOutcome:
    examples, oos = _examples(run)
    config = IntentTrainingConfig.from_dict({k: v for k, v in run.parameters.items() if k not in PLATFORM_OPTIONS})
    # A retried attempt starts clean: the folder of a lost attempt is incomplete.
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    # train() also exports ONNX fp32/int8 and records which one to serve (meta["onnx"]).
    result = train(examples, folder, config, oos_texts=oos, progress=progress)
    onnx: dict[str, Any] = result.meta.get("onnx") or {}
    serving = {"serving": onnx.get("selected", "torch"), "validation_accuracy": onnx.get("validation_accuracy", {})}
    data = result.meta.get("data") or {}
    metrics = {**result.metrics, "serving": serving, "evaluation": evaluation_write(folder),
               "data_validation": {"dropped_conflicts": data.get("dropped_conflicts", [])}}
    version = version_register(
        kind=KIND, artifact_path=folder, run=run,
        base_model=result.meta.get("base_model") or result.meta.get("base_model_source") or "",
        hyperparameters=config.to_dict(), data_hash=(result.meta.get("data") or {}).get("sha256", ""),
        metrics=metrics, format_version=result.meta.get("format_version", 1),
    )
    return RunOutcome(version=version)
