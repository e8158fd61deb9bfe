"""Exception hierarchy shared by the ML packages; callers can catch ``MLError``."""


class MLError(Exception):
    """Base class of every error the ML packages raise on purpose."""


class DataError(MLError, ValueError):
    """Training or evaluation data is unusable; raised before any training starts.

    ``problems`` lists every problem found (e.g. ``"line 7: empty text"``) so a UI can show them all.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            shown = self.problems[:20]
            more = len(self.problems) - len(shown)
            message = message + ":\n  - " + "\n  - ".join(shown) + (f"\n  ... and {more} more" if more > 0 else "")
        super().__init__(message)


class BaseModelError(MLError):
    """The base (pre-trained) model or its tokenizer cannot be loaded."""


class ArtifactError(MLError):
    """A trained-model folder is missing, corrupt or of an unknown format version."""


class TrainingCancelled(MLError):
    """Training stopped because the caller's ``should_stop`` returned True."""
