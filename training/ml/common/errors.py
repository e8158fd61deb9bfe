"""Exception hierarchy shared by the ML packages; callers can catch ``MLError``."""


class MLError(Exception):
    """Base class of every error the ML packages raise on purpose."""


class DataError(MLError, ValueError):
    """Training or evaluation data is unusable; raised before any training starts."""


class BaseModelError(MLError):
    """The base (pre-trained) model or its tokenizer cannot be loaded."""


class ArtifactError(MLError):
    """A trained-model folder is missing, corrupt or of an unknown format version."""


class TrainingCancelled(MLError):
    """Training stopped because the caller's ``should_stop`` returned True."""
