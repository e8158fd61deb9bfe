"""Per-kind checks that a version's artifact can be served, run before it is activated."""

from __future__ import annotations

from collections.abc import Callable

from training.errors import ActivationRefused
from training.models import ModelKind, ModelVersion


def intent_check(version: ModelVersion) -> None:
    """Load the classifier and classify one sentence."""
    from training.ml.intent import load_classifier

    load_classifier(version.artifact_path).predict(["hello"])


def retrieval_index_check(version: ModelVersion) -> None:
    """Load the index with its encoder and search it once."""
    from training.retrieval_index import retriever_load

    retriever_load(version.artifact_path).search("hello", k=1)


def responder_check(version: ModelVersion) -> None:
    """Load the responder and generate a few tokens from a one-passage prompt."""
    from training.ml.responder import ResponderInput, SourcePassage, load_responder

    inp = ResponderInput(question="hello", passages=[SourcePassage(article_id=0, title="Check", text="A check passage.")])
    load_responder(version.artifact_path).answer(inp, max_new_tokens=4)


CHECKS: dict[str, Callable[[ModelVersion], None]] = {
    ModelKind.INTENT: intent_check,
    ModelKind.RETRIEVAL_INDEX: retrieval_index_check,
    ModelKind.RESPONDER: responder_check,
}


def artifact_check(version: ModelVersion) -> None:
    """A stale, corrupt or missing artifact is refused here, before anything is switched."""
    check = CHECKS.get(version.kind)
    if check is None:
        raise ActivationRefused(f"Activating {version.get_kind_display()} versions is not supported yet.")
    from training.ml.common.errors import MLError

    try:
        check(version)
    except (MLError, OSError, ValueError) as exc:
        raise ActivationRefused(f"{version} cannot be served: {exc}. The active version is unchanged.") from None
