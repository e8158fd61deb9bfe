"""Errors of the responder package (the generic ones live in training.ml.common.errors)."""

from __future__ import annotations

from training.ml.common.errors import ArtifactError, BaseModelError, DataError, MLError, TrainingCancelled

__all__ = [
    "ArtifactError",
    "BaseModelError",
    "MLError",
    "PromptTooLongError",
    "ResponderDataError",
    "TrainingCancelled",
]


class ResponderDataError(DataError):
    """Responder training or evaluation pairs are unusable; ``problems`` lists every problem found."""


class PromptTooLongError(MLError, ValueError):
    """The instructions, the question and the generation prompt alone exceed the prompt budget."""
