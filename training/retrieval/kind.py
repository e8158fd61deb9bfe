"""The knowledge-base index as a model kind: its options, build, serving and check."""

from __future__ import annotations

from typing import Any

from training.errors import TrainingRefused
from training.kinds import KindSpec
from training.ml.retrieval import RetrievalConfig
from training.models import ModelVersion
from training.retrieval.job import KIND, Trigger, index_build
from training.serving.retriever import retriever_load, retriever_serve

OPTIONS = {"activate", "force", "index_examples", "min_score", "trigger"}


def index_parameters_clean(parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse bad index options before anything is queued."""
    fields = set(RetrievalConfig.__dataclass_fields__)
    unknown = sorted(set(parameters) - fields - OPTIONS)
    if unknown:
        raise TrainingRefused(f"Unknown index option(s): {', '.join(unknown)}.")
    clean = dict(parameters)
    try:
        RetrievalConfig(**{k: v for k, v in clean.items() if k in fields}).validate()
    except (TypeError, ValueError) as exc:
        raise TrainingRefused(f"Invalid index options: {exc}") from None
    for name in ("activate", "force", "index_examples"):
        if not isinstance(clean.get(name, True), bool):
            raise TrainingRefused(f"Invalid index options: {name} must be true or false.")
    score = clean.get("min_score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1):
        raise TrainingRefused("Invalid index options: min_score must be a number between 0 and 1.")
    trigger = clean.setdefault("trigger", Trigger.MANUAL.value)
    if trigger not in set(Trigger):
        raise TrainingRefused(f"Invalid index options: trigger must be one of {', '.join(Trigger)}.")
    # An index is data rather than a model to review: it is served once built unless asked otherwise.
    clean["activate"] = clean.get("activate", True)
    return clean


def index_check(version: ModelVersion) -> None:
    """Load the index with its encoder and search it once."""
    retriever_load(version.artifact_path).search("hello", k=1)


RETRIEVAL_INDEX = KindSpec(
    name=KIND, label="Retrieval index", clean=index_parameters_clean, train=index_build, check=index_check,
    load=retriever_serve, pipeline_role="retriever", task="training.tasks.build_retrieval_index",
)
