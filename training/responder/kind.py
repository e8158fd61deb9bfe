"""The responder as a model kind: its options, fine-tuning, serving, check and audit."""

from __future__ import annotations

from typing import Any

from training.errors import TrainingRefused
from training.kinds import AuditInputs, KindSpec
from training.ml.responder import ResponderConfig, ResponderInput, SourcePassage, load_responder
from training.models import ModelVersion
from training.responder.job import EVALUATION_PAIRS, KIND, PLATFORM_OPTIONS, responder_config, responder_train
from training.serving.responder import responder_serve


def responder_parameters_clean(parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse unknown or invalid options before anything is queued."""
    allowed = (set(ResponderConfig.defaults()) - {"base_cache_dir"}) | set(PLATFORM_OPTIONS)
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise TrainingRefused(f"Unknown responder option(s): {', '.join(unknown)}.")
    clean = dict(parameters)
    try:
        responder_config({k: v for k, v in clean.items() if k not in PLATFORM_OPTIONS})
    except (TypeError, ValueError) as exc:
        raise TrainingRefused(f"Invalid responder options: {exc}") from None
    clean["activate"] = bool(clean.get("activate", False))
    evaluation_pairs = clean.get("evaluation_pairs", EVALUATION_PAIRS)
    if not isinstance(evaluation_pairs, int) or isinstance(evaluation_pairs, bool) or evaluation_pairs < 1:
        raise TrainingRefused("evaluation_pairs must be a positive integer.")
    return clean


def responder_check(version: ModelVersion) -> None:
    """Load the responder and generate a few tokens from a one-passage prompt."""
    inp = ResponderInput(question="hello", passages=[SourcePassage(article_id=0, title="Check", text="A check passage.")])
    load_responder(version.artifact_path).answer(inp, max_new_tokens=4)


RESPONDER = KindSpec(
    name=KIND, label="Responder", clean=responder_parameters_clean, train=responder_train, check=responder_check,
    load=responder_serve, pipeline_role="responder",
    # Its replies are measured inside the served pipeline (training/audit/replies.py); nothing else to perturb.
    audit=lambda version: AuditInputs(),
    admin_choice="the responder (agent replies, answered conversations, knowledge base)",
    task="training.tasks.train_responder",
)
