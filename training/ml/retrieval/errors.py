"""Errors of the retrieval package (the generic ones live in training.ml.common.errors)."""

from __future__ import annotations

from training.ml.common.errors import ArtifactError, BaseModelError, DataError, MLError

__all__ = ["ArtifactError", "BaseModelError", "MLError", "RetrievalDataError"]


class RetrievalDataError(DataError):
    """The knowledge base (or a query) is unusable; ``problems`` lists every problem found."""
