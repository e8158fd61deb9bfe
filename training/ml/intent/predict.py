"""Prediction API shared by the torch and ONNX Runtime back-ends, and the ``load_classifier`` factory."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np

from training.ml.intent.artifact import read_artifact_meta
from training.ml.intent.calibrate import softmax


@dataclass(frozen=True)
class Prediction:
    """``intent`` is ``'oos'`` when ``is_oos``; ``top`` still ranks the labels (best guess first)."""

    intent: str
    confidence: float  # calibrated probability of the top label
    is_oos: bool
    top: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "confidence": self.confidence,
            "is_oos": self.is_oos,
            "top": [[label, prob] for label, prob in self.top],
        }


class BaseIntentClassifier(ABC):
    """``__init__`` only stores settings; ``load()``/``warm_up()`` read the artifact."""

    backend: str = ""

    def __init__(self, path: str | os.PathLike[str], *, batch_size: int = 32, top_k: int = 5) -> None:
        if batch_size < 1 or top_k < 1:
            raise ValueError("batch_size and top_k must be >= 1")
        self.path = Path(path)
        self.batch_size = batch_size
        self.top_k = top_k
        self._meta: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str], **kwargs: Any) -> Self:
        instance = cls(path, **kwargs)
        instance.warm_up()
        return instance

    def warm_up(self) -> None:
        if self._meta is None:
            meta = read_artifact_meta(self.path)
            self._load_backend(meta)
            self._meta = meta

    @property
    def meta(self) -> dict[str, Any]:
        self.warm_up()
        assert self._meta is not None
        return self._meta

    @property
    def labels(self) -> list[str]:
        return list(self.meta["labels"])

    @property
    def threshold(self) -> float:
        return float(self.meta["threshold"])

    @property
    def temperature(self) -> float:
        return float(self.meta["temperature"])

    @abstractmethod
    def _load_backend(self, meta: dict[str, Any]) -> None: ...

    @abstractmethod
    def _batch_logits(self, texts: list[str]) -> np.ndarray: ...

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits (n, labels), in input order. Similar lengths are batched together to cut padding."""
        self.warm_up()
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be a list of str")
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._batch_logits([texts[i] for i in idx])
        return out

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if isinstance(texts, str):
            raise TypeError("predict() takes a list of texts; use predict_one() for a single text")
        logits = self.logits(texts)
        return self.predictions_from_logits(logits)

    def predict_one(self, text: str) -> Prediction:
        return self.predict([text])[0]

    def predictions_from_logits(self, logits: np.ndarray) -> list[Prediction]:
        labels = self.labels
        oos_label = self.meta["oos_label"]
        probs = softmax(logits, self.temperature)
        k = min(self.top_k, len(labels))
        ranked = np.argsort(-probs, axis=1)[:, :k]
        predictions = []
        for row, order in zip(probs, ranked, strict=True):
            best = labels[order[0]]
            confidence = float(row[order[0]])
            is_oos = best == oos_label or confidence < self.threshold
            predictions.append(
                Prediction(
                    intent=oos_label if is_oos else best,
                    confidence=confidence,
                    is_oos=is_oos,
                    top=[(labels[j], float(row[j])) for j in order],
                )
            )
        return predictions
