"""Word attributions for a classified message, from the active intent version (torch, via Captum)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from conversations.models import Message
from training.intent.job import KIND
from training.ml.intent import IntentClassifier, explain
from training.models import ModelVersion

_lock = threading.Lock()


@lru_cache(maxsize=2)
def _torch_classifier(artifact_path: str) -> Any:
    return IntentClassifier.load(artifact_path)


def message_explain(*, message: Message) -> tuple[ModelVersion, str, list[Any]] | None:
    """(version, explained intent, word attributions) or None when no intent version is active."""
    version = ModelVersion.objects.filter(kind=KIND, is_active=True).first()
    if version is None:
        return None
    with _lock:  # Captum's hooks on a shared model are not thread-safe
        classifier = _torch_classifier(version.artifact_path)
        target = message.intent.name if message.intent and message.intent.name in classifier.labels else None
        words = explain(classifier, message.text, target=target)
    return version, target or classifier.predict_one(message.text).intent, words
