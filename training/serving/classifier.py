"""The pipeline's Classifier over the active intent version."""

from __future__ import annotations

from typing import Any

from conversations.bot.pipeline import Classification
from training.kinds import ServedRow
from training.ml.common.batching import MicroBatcher
from training.ml.intent import load_classifier


class ServedIntentClassifier:
    """Classifies one message, batching the messages that arrive together into one forward pass."""

    def __init__(self, model: Any, version: int) -> None:
        self.model, self.version = model, version
        self._predict = MicroBatcher(model.predict)

    def classify(self, text: str) -> Classification:
        p = self._predict(text)
        oos = bool(p.is_oos) or p.intent == "oos"
        return Classification(intent=None if p.intent == "oos" else p.intent, confidence=float(p.confidence),
                              out_of_scope=oos, model_version=self.version)


def classifier_serve(row: ServedRow) -> ServedIntentClassifier:
    model = load_classifier(row["artifact_path"])
    model.predict(["warm up"])
    return ServedIntentClassifier(model, row["version"])
