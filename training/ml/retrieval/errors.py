"""Errors of the retrieval package (the generic ones live in training.ml.common.errors)."""

from __future__ import annotations

from training.ml.common.errors import ArtifactError, BaseModelError, DataError, MLError

__all__ = ["ArtifactError", "BaseModelError", "MLError", "RetrievalDataError"]


class RetrievalDataError(DataError):
    """The knowledge base (or a query) is unusable; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            shown = self.problems[:20]
            more = len(self.problems) - len(shown)
            message = message + ":\n  - " + "\n  - ".join(shown) + (f"\n  ... and {more} more" if more > 0 else "")
        super().__init__(message)
