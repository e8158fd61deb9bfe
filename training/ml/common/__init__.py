"""Helpers shared by the ML packages (intent classifier, responder, ...).

Nothing here imports torch, Django or Celery at import time.
"""

from training.ml.common.artifacts import (
    ArtifactError,
    read_meta,
    sha256_of_records,
    utc_now_iso,
    write_meta,
)
from training.ml.common.device import AmpSettings, amp_settings, resolve_device
from training.ml.common.errors import BaseModelError, DataError, MLError, TrainingCancelled
from training.ml.common.progress import ProgressCallback, StopCallback, TrainingProgress
from training.ml.common.seeding import seed_everything

__all__ = [
    "AmpSettings",
    "ArtifactError",
    "BaseModelError",
    "DataError",
    "MLError",
    "ProgressCallback",
    "StopCallback",
    "TrainingCancelled",
    "TrainingProgress",
    "amp_settings",
    "read_meta",
    "resolve_device",
    "seed_everything",
    "sha256_of_records",
    "utc_now_iso",
    "write_meta",
]
