"""evaluate_bot's body: check the file and the version, run the served pipeline, score, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from training.evaluation.heldout import items_checked
from training.evaluation.served import items_run
from training.kinds import kind_for_role
from training.ml.evaluation.dataset import EvalItem
from training.ml.evaluation.report import Outcome, item_score, report_build
from training.models import ModelVersion
from training.serving.pipeline import TIERS, pipeline_for


class EvaluationRefused(ValueError):
    """The evaluation cannot run as asked (unknown version or tier, nothing served); nothing was stored."""


def _responder_checked(responder_version: int | None, tier: str | None) -> None:
    if tier not in (None, *TIERS):
        raise EvaluationRefused(f"Unknown tier {tier!r}; choose one of: {', '.join(TIERS)}.")
    if responder_version is None:
        return
    if tier == "extractive":
        raise EvaluationRefused("The extractive tier answers from the index alone; --responder-version applies to the generative tier.")
    kind = kind_for_role("responder").name
    if not ModelVersion.objects.filter(kind=kind, version=responder_version).exists():
        known = ", ".join(f"v{v}" for v in ModelVersion.objects.filter(kind=kind).order_by("version").values_list("version", flat=True))
        raise EvaluationRefused(f"There is no {kind} v{responder_version} (known: {known or 'none'}).")


def evaluation_pipeline(*, responder_version: int | None = None, tier: str | None = None) -> Any:
    _responder_checked(responder_version, tier)
    try:
        pipeline = pipeline_for(responder_version=responder_version, tier=tier)
    except (LookupError, ValueError) as exc:
        raise EvaluationRefused(f"The {tier or 'served'} tier cannot be built: {exc}.") from None
    missing = [name for name, part in (("an intent model", pipeline.classifier), ("a knowledge-base index", pipeline.retriever),
                                       ("an answer tier", pipeline.responder)) if part is None]
    if missing:
        raise EvaluationRefused(f"Nothing to evaluate: no active {' or '.join(missing)}, so every message would be handed off.")
    return pipeline


def bot_evaluate(*, data: str | Path | list[EvalItem], responder_version: int | None = None, tier: str | None = None,
                 pipeline: Any = None, progress: Callable[[int, EvalItem, Outcome], Any] | None = None) -> dict[str, Any]:
    """The report of the served pipeline (or ``pipeline``, when the caller built it) over the items.

    Raises DataError (bad file, unknown articles) or EvaluationRefused before anything runs.
    """
    items = data if isinstance(data, list) else items_checked(data)
    if pipeline is None:
        pipeline = evaluation_pipeline(responder_version=responder_version, tier=tier)
    outcomes = items_run(items, pipeline, progress)
    return report_build([item_score(item, outcome) for item, outcome in zip(items, outcomes, strict=True)])
