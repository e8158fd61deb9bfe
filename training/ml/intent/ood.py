"""Out-of-scope scores on the fine-tuned encoder's sentence vectors, beside the calibrated probability.

Scores are "higher = more in scope":
- ``msp``: the calibrated top probability (the threshold the classifier always had);
- ``knn``: cosine similarity to the k-th nearest training sentence (Sun et al. 2022);
- ``mahalanobis``: minus the smallest Mahalanobis distance to a class mean, shared covariance
  (Lee et al. 2018; Podolskiy et al. 2021 for intents);
- ``knn+msp``: ``msp + weight * knn``.
``ood_choose`` picks the method with the best AUROC on validation messages that include
out-of-scope ones, then its threshold with the rule the probability threshold uses; without
out-of-scope validation messages it keeps ``msp``: nothing would tell the methods apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from training.ml.intent.calibrate import choose_threshold
from training.ml.intent.data import OOS_LABEL

OOD_DIR = "ood"
BANK_FILE = "bank.npy"
MEANS_FILE = "means.npy"
PRECISION_FILE = "precision.npy"
KNN_KS = (1, 5, 10)
KNN_WEIGHTS = (0.5, 1.0, 2.0)


def in_scope_top_probability(probs: np.ndarray, labels: list[str]) -> np.ndarray:
    """The best in-scope label's probability: a learned ``oos`` class must not make an out-of-scope
    message look confident (its own top probability would be high)."""
    keep = [i for i, label in enumerate(labels) if label != OOS_LABEL]
    return np.asarray(probs)[:, keep].max(axis=1)


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


def auroc(in_scope_scores: np.ndarray, oos_scores: np.ndarray) -> float:
    """Probability that an in-scope message scores above an out-of-scope one (ties count half)."""
    a, b = np.asarray(in_scope_scores, dtype=np.float64), np.asarray(oos_scores, dtype=np.float64)
    if not len(a) or not len(b):
        return float("nan")
    values = np.concatenate([a, b])
    order = values.argsort(kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values))
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return float((ranks[: len(a)].sum() - len(a) * (len(a) + 1) / 2) / (len(a) * len(b)))


@dataclass
class OodBank:
    """What the distance scores need from training: unit training vectors, class means, shared precision."""

    vectors: np.ndarray  # (n, d) unit, float32
    means: np.ndarray  # (labels, d)
    precision: np.ndarray  # (d, d)
    _cached: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def fit(cls, vectors: np.ndarray, y: np.ndarray, n_labels: int) -> OodBank:
        vectors = unit(vectors)
        present = [label for label in range(n_labels) if (y == label).any()]  # a learned oos class has no mean
        means = np.zeros((n_labels, vectors.shape[1]), dtype=np.float64)
        for label in present:
            means[label] = vectors[y == label].mean(axis=0)
        centred = vectors - means[y]
        means = means[present]
        cov = centred.T @ centred / max(1, len(vectors))
        cov += np.eye(cov.shape[0]) * 1e-3 * np.trace(cov) / cov.shape[0]  # shrinkage: d may exceed rows per class
        return cls(vectors=vectors, means=means.astype(np.float32), precision=np.linalg.inv(cov).astype(np.float32))

    def save(self, folder: Path) -> dict[str, str]:
        out = folder / OOD_DIR
        out.mkdir(exist_ok=True)
        np.save(out / BANK_FILE, self.vectors.astype(np.float16))
        np.save(out / MEANS_FILE, self.means)
        np.save(out / PRECISION_FILE, self.precision)
        return {"bank": f"{OOD_DIR}/{BANK_FILE}", "means": f"{OOD_DIR}/{MEANS_FILE}",
                "precision": f"{OOD_DIR}/{PRECISION_FILE}"}

    @classmethod
    def load(cls, folder: Path, files: dict[str, str]) -> OodBank:
        return cls(vectors=np.load(folder / files["bank"]).astype(np.float32), means=np.load(folder / files["means"]),
                   precision=np.load(folder / files["precision"]))

    def knn(self, vectors: np.ndarray, k: int) -> np.ndarray:
        sims = unit(vectors) @ self.vectors.T
        k = min(k, sims.shape[1])
        return np.partition(sims, -k, axis=1)[:, -k]

    def mahalanobis(self, vectors: np.ndarray) -> np.ndarray:
        # (x - m)' P (x - m) = x'Px - 2 x'Pm + m'Pm for every mean at once: BLAS, no per-mean loop
        # (the loop cost 3.3 ms per message on the demo model; this costs well under 0.1 ms).
        if self._cached is None:  # once per bank: float64 copies and every mean's m'Pm
            precision, means = self.precision.astype(np.float64), self.means.astype(np.float64)
            self._cached = (precision, means, ((means @ precision) * means).sum(axis=1))
        precision, means, mean_terms = self._cached
        x = unit(vectors).astype(np.float64)
        xp = x @ precision
        distances = (xp * x).sum(axis=1)[:, None] - 2.0 * xp @ means.T + mean_terms[None, :]
        return -distances.min(axis=1)


@dataclass(frozen=True)
class OodMethod:
    name: str  # "msp" | "knn" | "mahalanobis" | "knn+msp"
    k: int = 0
    weight: float = 0.0

    @property
    def label(self) -> str:
        return {"msp": "msp", "mahalanobis": "mahalanobis", "knn": f"knn(k={self.k})",
                "knn+msp": f"msp+{self.weight:g}*knn(k={self.k})"}[self.name]

    def score(self, bank: OodBank | None, vectors: np.ndarray | None, top_probability: np.ndarray) -> np.ndarray:
        if self.name == "msp":
            return np.asarray(top_probability, dtype=np.float64)
        if bank is None or vectors is None:
            raise ValueError(f"the {self.name} out-of-scope score needs sentence vectors and the training bank")
        if self.name == "knn":
            return bank.knn(vectors, self.k)
        if self.name == "mahalanobis":
            return bank.mahalanobis(vectors)
        return np.asarray(top_probability) + self.weight * bank.knn(vectors, self.k)


def candidate_methods() -> list[OodMethod]:
    return ([OodMethod("msp"), OodMethod("mahalanobis")] + [OodMethod("knn", k=k) for k in KNN_KS]
            + [OodMethod("knn+msp", k=k, weight=w) for k in KNN_KS for w in KNN_WEIGHTS])


@dataclass(frozen=True)
class OodChoice:
    method: OodMethod
    threshold: float
    criterion: str
    validation_auroc: dict[str, float]

    def to_meta(self, files: dict[str, str] | None) -> dict[str, Any]:
        return {"method": self.method.name, "k": self.method.k, "weight": self.method.weight,
                "label": self.method.label, "threshold": self.threshold, "criterion": self.criterion,
                "validation_auroc": self.validation_auroc, "files": files}


def ood_choose(
    bank: OodBank, vectors: np.ndarray, top_probability: np.ndarray, *, correct: np.ndarray, oos_pred: np.ndarray,
    is_oos: np.ndarray, keep_fraction: float, only: str | None = None,
) -> OodChoice:
    """The method with the best validation AUROC (msp when there are no out-of-scope validation rows) and its
    threshold; ``only`` ('knn', 'mahalanobis') forces one method."""
    is_oos = np.asarray(is_oos, dtype=bool)
    aurocs: dict[str, float] = {}
    scores: dict[str, np.ndarray] = {}
    if only is not None:
        methods = [OodMethod(only, k=5 if only == "knn" else 0)]
    else:
        methods = candidate_methods() if is_oos.any() and (~is_oos).any() else [OodMethod("msp")]
    for method in methods:
        s = method.score(bank, vectors, top_probability)
        scores[method.label] = s
        aurocs[method.label] = auroc(s[~is_oos], s[is_oos]) if is_oos.any() else float("nan")
    best = max(methods, key=lambda m: (np.nan_to_num(aurocs[m.label], nan=-1.0), m.name == "msp"))
    choice = choose_threshold(scores[best.label], correct, oos_pred, is_oos, keep_fraction=keep_fraction,
                              max_handoff=1.0 - keep_fraction)
    return OodChoice(best, choice.threshold, choice.criterion + f"; method {best.label} by validation AUROC", aurocs)
