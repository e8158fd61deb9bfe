"""Prediction API shared by the torch and ONNX Runtime back-ends, and the ``load_classifier`` factory."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np

from training.ml.common.errors import ArtifactError
from training.ml.intent.artifact import read_artifact_meta
from training.ml.intent.calibrate import softmax
from training.ml.intent.ood import OodBank, OodMethod, in_scope_top_probability


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
        self._ood: tuple[OodMethod, float, OodBank] | None = None

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

    def _batch_logits_and_vectors(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Logits and pooled sentence vectors; back-ends that cannot give vectors return None for them."""
        return self._batch_logits(texts), None

    @property
    def ood(self) -> tuple[OodMethod, float, OodBank] | None:
        """The distance-based out-of-scope rule this version carries (method, threshold, bank), if any."""
        section = self.meta.get("ood") or {}
        if not section.get("files"):
            return None
        if self._ood is None:
            bank = OodBank.load(self.path, section["files"])
            method = OodMethod(section["method"], k=int(section.get("k") or 0), weight=float(section.get("weight") or 0))
            self._ood = (method, float(section["threshold"]), bank)
        return self._ood

    def logits_and_vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Logits (n, labels) and sentence vectors (n, hidden) or None, in input order."""
        self.warm_up()
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be a list of str")
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        vectors: np.ndarray | None = None
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            logits, batch_vectors = self._batch_logits_and_vectors([texts[i] for i in idx])
            out[idx] = logits
            if batch_vectors is not None:
                if vectors is None:
                    vectors = np.zeros((len(texts), batch_vectors.shape[1]), dtype=np.float32)
                vectors[idx] = batch_vectors
        return out, vectors

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
        if self.ood is None or not texts:
            return self.predictions_from_logits(self.logits(texts))
        logits, vectors = self.logits_and_vectors(texts)
        method, _, bank = self.ood
        if vectors is None:
            raise ArtifactError(f"{self.path}: this back-end gives no sentence vectors for the {method.label} score")
        scores = method.score(bank, vectors, in_scope_top_probability(softmax(logits, self.temperature), self.labels))
        return self.predictions_from_logits(logits, ood_scores=scores)

    def predict_one(self, text: str) -> Prediction:
        return self.predict([text])[0]

    def predictions_from_logits(self, logits: np.ndarray, *, ood_scores: np.ndarray | None = None) -> list[Prediction]:
        """``ood_scores`` (higher = more in scope) replace the probability threshold when the version carries one."""
        labels = self.labels
        ood = self.ood if ood_scores is not None else None
        oos_label = self.meta["oos_label"]
        probs = softmax(logits, self.temperature)
        k = min(self.top_k, len(labels))
        ranked = np.argsort(-probs, axis=1)[:, :k]
        predictions = []
        for n, (row, order) in enumerate(zip(probs, ranked, strict=True)):
            best = labels[order[0]]
            confidence = float(row[order[0]])
            below = ood_scores[n] < ood[1] if ood is not None and ood_scores is not None else confidence < self.threshold
            is_oos = best == oos_label or bool(below)
            predictions.append(
                Prediction(
                    intent=oos_label if is_oos else best,
                    confidence=confidence,
                    is_oos=is_oos,
                    top=[(labels[j], float(row[j])) for j in order],
                )
            )
        return predictions
