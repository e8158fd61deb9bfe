"""Celery queues. A GPU worker consumes TRAINING; everything else goes to DEFAULT."""

import enum


class Queue(enum.StrEnum):
    # Short jobs: index updates after an article is saved, retention purges.
    DEFAULT = "default"
    # Long GPU-friendly jobs: fine-tuning, evaluation, bias audits.
    TRAINING = "training"
