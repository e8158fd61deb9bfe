"""Errors of the intent package (the generic ones live in training.ml.common.errors)."""

from __future__ import annotations

from training.ml.common.errors import ArtifactError, BaseModelError, DataError, MLError, TrainingCancelled

__all__ = ["ArtifactError", "BaseModelError", "IntentDataError", "MLError", "TrainingCancelled"]


class IntentDataError(DataError):
    """Intent training or evaluation data is unusable.

    ``problems`` lists every problem found (e.g. ``"line 7: empty text"``) so a UI can show them all.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            shown = self.problems[:20]
            more = len(self.problems) - len(shown)
            message = message + ":\n  - " + "\n  - ".join(shown) + (f"\n  ... and {more} more" if more > 0 else "")
        super().__init__(message)
