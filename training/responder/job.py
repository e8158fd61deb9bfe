"""A responder run's body: fine-tune the causal LM on pairs from the database, evaluate it, register it.

The pure work is in training/ml/responder; this module takes the data snapshot and stores the
version, and leaves the served version alone when anything fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings

from training.kinds import Progress, RunOutcome
from training.ml.responder import ResponderConfig, read_pairs, train
from training.ml.responder import evaluate as evaluate_responder
from training.models import TrainingRun
from training.registry.versions import version_register
from training.responder.pairs import PairStats, responder_pairs_from_db

KIND = "responder"
# Generating a reply for every held-out pair is the slow part of evaluation on a CPU.
EVALUATION_PAIRS = 24
PLATFORM_OPTIONS = ("activate", "evaluation_pairs")
# The demo's responder (queued by `rundemo`): LoRA for a fixed 16 steps of 8 pairs (about one pass over
# the demo pairs, which all fit 512 tokens) with a LoRA-sized learning rate, so it finishes within
# 15 minutes on two CPU cores; each lever's cost is in docs/benchmarks.md ("Demo responder fine-tune").
DEMO_RESPONDER_PARAMETERS: dict[str, Any] = {
    "activate": True, "method": "lora", "learning_rate": 1e-3, "max_steps": 16, "batch_size": 4, "grad_accum": 2,
    "max_length": 512, "evaluation_pairs": 8,
}


def responder_config(options: dict[str, Any]) -> ResponderConfig:
    defaults = {"base_model": settings.RESPONDER_BASE_MODEL, "base_cache_dir": str(Path(settings.MODEL_DIR) / "base")}
    return ResponderConfig.from_dict(defaults | options)


def responder_train(run: TrainingRun, folder: Path, progress: Progress) -> RunOutcome:
    config = responder_config({k: v for k, v in run.parameters.items() if k not in PLATFORM_OPTIONS})
    grounding = PairStats()
    pairs = responder_pairs_from_db(seed=config.seed, stats=grounding)
    # A retried attempt starts clean: the folder of a lost attempt is incomplete.
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = train(pairs, folder, config, progress=progress)
    held_out = read_pairs(folder / "held_out.jsonl")[: int(run.parameters.get("evaluation_pairs", EVALUATION_PAIRS))]
    evaluation = evaluate_responder(folder, held_out) if held_out else {"n_pairs": 0}
    summary = {k: v for k, v in evaluation.items() if k != "records"}
    sources: dict[str, int] = {}
    for pair in pairs:
        sources[pair.source] = sources.get(pair.source, 0) + 1
    metrics = {**result.metrics, "evaluation": summary, "examples": evaluation.get("records", [])[:8],
               "pairs_by_source": sources, "pairs_grounding": grounding.as_dict()}
    version = version_register(
        kind=KIND, artifact_path=folder, run=run, base_model=config.base_model, hyperparameters=config.to_dict(),
        data_hash=(result.meta.get("data") or {}).get("sha256", ""), metrics=metrics,
        format_version=result.meta.get("format_version", 1),
    )
    return RunOutcome(version=version)
