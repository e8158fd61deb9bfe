"""Evaluation of a classifier on labelled examples.

Two views of the same predictions:
- what the bot does: the predicted label is ``Prediction.intent`` (``oos`` when handed off by
  the threshold or the learned oos class). ``accuracy`` and ``macro_f1`` are over all rows
  with ``oos`` as one more class; the per-intent table and the confusion matrix use this view.
- closed set (the usual benchmark number, e.g. Banking77): the best in-scope label, threshold
  ignored, over the in-scope rows only: ``closed_set_accuracy`` / ``closed_set_macro_f1``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from training.ml.intent.data import OOS_LABEL, Example
from training.ml.intent.predict import Prediction


class Predictor(Protocol):
    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...


@dataclass(frozen=True)
class IntentScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvaluationReport:
    n_examples: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, IntentScores]
    labels: list[str]  # row/column order of the confusion matrix
    confusion_matrix: list[list[int]]  # [true][predicted]
    most_confused: list[tuple[str, str, int]]  # (true, predicted, count), off-diagonal, most first
    closed_set_accuracy: float
    closed_set_macro_f1: float
    oos_predicted_rate: float  # share of in-scope rows handed off as out of scope
    confidence_bins: list[float]  # histogram edges, len = bins + 1
    confidence_correct: list[int]  # counts of right predictions per bin
    confidence_incorrect: list[int]
    in_scope_accuracy: float | None = None  # only when the examples contain oos rows
    oos_recall: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["per_intent"] = {label: asdict(scores) for label, scores in self.per_intent.items()}
        data["most_confused"] = [list(pair) for pair in self.most_confused]
        if self.in_scope_accuracy is None:
            data.pop("in_scope_accuracy")
            data.pop("oos_recall")
        return data


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _macro_f1(true: list[str], pred: list[str], labels: list[str]) -> tuple[float, dict[str, IntentScores]]:
    """Macro-F1 over the labels that occur in ``true`` or ``pred`` (scikit-learn's default)."""
    counts = Counter(zip(true, pred, strict=True))
    scores: dict[str, IntentScores] = {}
    for label in labels:
        tp = counts[(label, label)]
        fp = sum(c for (t, p), c in counts.items() if p == label and t != label)
        fn = sum(c for (t, p), c in counts.items() if t == label and p != label)
        precision, recall, f1 = _prf(tp, fp, fn)
        scores[label] = IntentScores(precision, recall, f1, support=tp + fn)
    present = set(true) | set(pred)
    f1s = [s.f1 for label, s in scores.items() if label in present]
    return (float(np.mean(f1s)) if f1s else 0.0), scores


def evaluate(
    classifier: Predictor, examples: Sequence[Example], *, top_confused: int = 10, bins: int = 10
) -> EvaluationReport:
    if not examples:
        raise ValueError("evaluate() needs at least one example")
    predictions = classifier.predict([ex.text for ex in examples])
    true = [ex.label for ex in examples]
    pred = [p.intent for p in predictions]
    known = list(getattr(classifier, "labels", []) or [])
    labels = [label for label in known if label != OOS_LABEL]
    labels += sorted((set(true) | set(pred)) - set(labels) - {OOS_LABEL})
    if OOS_LABEL in set(true) | set(pred) | set(known):
        labels.append(OOS_LABEL)
    position = {label: i for i, label in enumerate(labels)}

    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(true, pred, strict=True):
        matrix[position[t], position[p]] += 1
    accuracy = float(np.trace(matrix) / len(examples))
    macro_f1, per_intent = _macro_f1(true, pred, labels)
    off_diagonal = [
        (labels[i], labels[j], int(matrix[i, j]))
        for i in range(len(labels))
        for j in range(len(labels))
        if i != j and matrix[i, j] > 0
    ]
    off_diagonal.sort(key=lambda item: (-item[2], item[0], item[1]))

    in_scope = [i for i, t in enumerate(true) if t != OOS_LABEL]
    closed = [next((label for label, _ in predictions[i].top if label != OOS_LABEL), OOS_LABEL) for i in in_scope]
    closed_true = [true[i] for i in in_scope]
    closed_accuracy = float(np.mean([c == t for c, t in zip(closed, closed_true, strict=True)])) if in_scope else 0.0
    closed_f1, _ = _macro_f1(closed_true, closed, sorted(set(closed_true) | set(closed))) if in_scope else (0.0, {})
    handed_off = float(np.mean([predictions[i].is_oos for i in in_scope])) if in_scope else 0.0

    edges = np.linspace(0.0, 1.0, bins + 1)
    confidence = np.array([p.confidence for p in predictions])
    right = np.array([t == p for t, p in zip(true, pred, strict=True)])
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    hist_right = np.bincount(which[right], minlength=bins)
    hist_wrong = np.bincount(which[~right], minlength=bins)

    report = EvaluationReport(
        n_examples=len(examples),
        accuracy=accuracy,
        macro_f1=macro_f1,
        per_intent=per_intent,
        labels=labels,
        confusion_matrix=matrix.tolist(),
        most_confused=off_diagonal[:top_confused],
        closed_set_accuracy=closed_accuracy,
        closed_set_macro_f1=closed_f1,
        oos_predicted_rate=handed_off,
        confidence_bins=[float(x) for x in edges],
        confidence_correct=[int(x) for x in hist_right],
        confidence_incorrect=[int(x) for x in hist_wrong],
    )
    threshold = getattr(classifier, "threshold", None)
    if isinstance(threshold, int | float):
        report.extra["threshold"] = float(threshold)
    if OOS_LABEL in true:
        oos_rows = [i for i, t in enumerate(true) if t == OOS_LABEL]
        report.in_scope_accuracy = float(np.mean([pred[i] == true[i] for i in in_scope])) if in_scope else 0.0
        report.oos_recall = float(np.mean([predictions[i].is_oos for i in oos_rows]))
    return report
