"""Errors of the intent package (the generic ones live in training.ml.common.errors)."""

from __future__ import annotations

from training.ml.common.errors import ArtifactError, BaseModelError, DataError, MLError, TrainingCancelled

__all__ = ["ArtifactError", "BaseModelError", "IntentDataError", "MLError", "TrainingCancelled"]


class IntentDataError(DataError):
    """Intent training or evaluation data is unusable; ``problems`` lists every problem found."""
