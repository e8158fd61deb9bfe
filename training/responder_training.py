"""Responder runs: fine-tune the causal LM on pairs from the database, evaluate it, register a version.

The pure work is in training/ml/responder; this module takes the data snapshot, stores progress
and the version, and leaves the served version alone when anything fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from training import registry
from training.errors import TrainingRefused
from training.models import ModelKind, ModelVersion, TrainingRun
from training.runs import ProgressWriter, run_execute, run_still_mine

# Generating a reply for every held-out pair is the slow part of evaluation on a CPU.
EVALUATION_PAIRS = 24
_PLATFORM_OPTIONS = ("activate", "evaluation_pairs")


def responder_parameters_clean(parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse unknown or invalid options before anything is queued."""
    from training.ml.responder import ResponderConfig

    allowed = (set(ResponderConfig.defaults()) - {"base_cache_dir"}) | set(_PLATFORM_OPTIONS)
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise TrainingRefused(f"Unknown responder option(s): {', '.join(unknown)}.")
    clean = dict(parameters)
    try:
        _config({k: v for k, v in clean.items() if k not in _PLATFORM_OPTIONS})
    except (TypeError, ValueError) as exc:
        raise TrainingRefused(f"Invalid responder options: {exc}") from None
    clean["activate"] = bool(clean.get("activate", False))
    evaluation_pairs = clean.get("evaluation_pairs", EVALUATION_PAIRS)
    if not isinstance(evaluation_pairs, int) or isinstance(evaluation_pairs, bool) or evaluation_pairs < 1:
        raise TrainingRefused("evaluation_pairs must be a positive integer.")
    return clean


def _config(options: dict[str, Any]) -> Any:
    from training.ml.responder import ResponderConfig

    defaults = {"base_model": settings.RESPONDER_BASE_MODEL, "base_cache_dir": str(Path(settings.MODEL_DIR) / "base")}
    return ResponderConfig.from_dict(defaults | options)


def responder_training_execute(*, run_id: int, echo: Any = None) -> ModelVersion | None:
    """Fine-tune, evaluate and register a responder version; a failure marks the run failed."""
    return run_execute(run_id=run_id, kind_dir="responder", train_and_register=lambda run, folder: _train_and_register(run, folder, echo))


def _train_and_register(run: TrainingRun, folder: Path, echo: Any) -> ModelVersion:
    from training.ml.responder import read_pairs, train
    from training.ml.responder import evaluate as evaluate_responder
    from training.responder_data import responder_pairs_from_db

    config = _config({k: v for k, v in run.parameters.items() if k not in _PLATFORM_OPTIONS})
    pairs = responder_pairs_from_db(seed=config.seed)
    # A retried attempt starts clean: the folder of a lost attempt is incomplete.
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = train(pairs, folder, config, progress=ProgressWriter(run, echo))
    held_out = read_pairs(folder / "held_out.jsonl")[: int(run.parameters.get("evaluation_pairs", EVALUATION_PAIRS))]
    evaluation = evaluate_responder(folder, held_out) if held_out else {"n_pairs": 0}
    summary = {k: v for k, v in evaluation.items() if k != "records"}
    sources: dict[str, int] = {}
    for pair in pairs:
        sources[pair.source] = sources.get(pair.source, 0) + 1
    metrics = {**result.metrics, "evaluation": summary, "examples": evaluation.get("records", [])[:8], "pairs_by_source": sources}
    with transaction.atomic():
        run_still_mine(run)
        return ModelVersion.objects.create(
            kind=ModelKind.RESPONDER,
            version=registry.next_version_number(ModelKind.RESPONDER),
            base_model=config.base_model,
            hyperparameters=config.to_dict(),
            data_hash=(result.meta.get("data") or {}).get("sha256", ""),
            metrics=metrics,
            artifact_path=str(folder),
            format_version=result.meta.get("format_version", 1),
            created_by=run.started_by,
        )
