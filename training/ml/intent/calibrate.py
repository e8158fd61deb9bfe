"""Confidence calibration on the validation split: temperature scaling, then an out-of-scope threshold.

Score = max softmax(logits / T). A message is out of scope when its score is below the
threshold (or when its top label is the learned ``oos`` class).

Threshold criterion (documented in meta.json as ``threshold_criterion``):
- with out-of-scope validation texts: maximise the mean of in-scope accuracy (right intent
  AND not handed off) and out-of-scope recall (handed off); among equally good thresholds the
  middle one is taken, to stay away from both edges;
- without them: the threshold keeps ``keep_fraction`` of the in-scope validation predictions
  above it (e.g. 0.97: about 3 % of in-scope messages, mostly the unsure ones, are handed off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


TEMPERATURE_PRIOR_ROWS = 50


def fit_temperature(logits: np.ndarray, targets: np.ndarray, *, prior_rows: int = TEMPERATURE_PRIOR_ROWS) -> float:
    """Temperature minimising validation NLL (Guo et al. 2017), searched on log T in [1/20, 20].

    A validation split of a few dozen rows, nearly all right, drives T towards 0 (every answer
    ~100 % sure). log T is therefore shrunk towards 0 (T = 1) by n / (n + prior_rows):
    negligible for 1,000 rows, about a third of the fit for 25 rows.
    """
    from scipy.optimize import minimize_scalar

    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.int64)
    if len(targets) == 0:
        return 1.0

    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(targets)), targets].mean())

    result = minimize_scalar(nll, bounds=(-np.log(20.0), np.log(20.0)), method="bounded")
    if not result.success:
        return 1.0
    return float(np.exp(result.x * len(targets) / (len(targets) + prior_rows)))


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    criterion: str
    in_scope_accuracy: float  # with the threshold applied
    oos_recall: float | None  # None without out-of-scope validation texts
    handoff_rate: float  # share of in-scope validation messages handed off


def _rates(
    threshold: float, scores: np.ndarray, correct: np.ndarray, oos_pred: np.ndarray, is_oos: np.ndarray
) -> tuple[float, float | None, float]:
    flagged = oos_pred | (scores < threshold)
    ins = ~is_oos
    in_acc = float((correct & ~flagged)[ins].mean()) if ins.any() else 0.0
    oos_recall = float(flagged[is_oos].mean()) if is_oos.any() else None
    handoff = float(flagged[ins].mean()) if ins.any() else 0.0
    return in_acc, oos_recall, handoff


def choose_threshold(
    scores: np.ndarray,
    correct: np.ndarray,
    oos_pred: np.ndarray,
    is_oos: np.ndarray,
    *,
    keep_fraction: float,
    max_handoff: float | None = None,
) -> ThresholdChoice:
    """Pick the threshold on calibrated scores of the validation split.

    ``correct``: top label equals the true in-scope label; ``oos_pred``: top label is the learned
    ``oos`` class; ``is_oos``: the true label is out of scope.
    """
    scores = np.asarray(scores, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    oos_pred = np.asarray(oos_pred, dtype=bool)
    is_oos = np.asarray(is_oos, dtype=bool)
    if is_oos.any() and (~is_oos).any():
        uniq = np.unique(scores)
        candidates = np.concatenate([[0.0], (uniq[:-1] + uniq[1:]) / 2, [min(1.0, uniq[-1] + 1e-6)]])
        objective = []
        for t in candidates:
            in_acc, oos_recall, _ = _rates(t, scores, correct, oos_pred, is_oos)
            objective.append((in_acc + (oos_recall or 0.0)) / 2)
        objective_arr = np.asarray(objective)
        criterion = "max mean(in-scope accuracy, oos recall) on validation"
        if max_handoff is not None:
            # A few out-of-scope validation texts otherwise pull the threshold up until it hands off
            # many in-scope messages (seen on the demo data: 8 such texts, 20 % of fresh phrasings lost).
            handoff = np.array([(scores[~is_oos] < t).mean() for t in candidates])
            objective_arr = np.where(handoff <= max_handoff + 1e-12, objective_arr, -1.0)
            criterion += f", handing off at most {max_handoff:.0%} of in-scope validation messages"
        best = np.flatnonzero(objective_arr >= objective_arr.max() - 1e-12)
        threshold = float(candidates[best[len(best) // 2]])
    else:
        in_scope_scores = scores[~is_oos]
        threshold = (
            float(np.quantile(in_scope_scores, 1.0 - keep_fraction, method="lower")) if len(in_scope_scores) else 0.0
        )
        criterion = f"keep {keep_fraction:.0%} of in-scope validation predictions"
    in_acc, oos_recall, handoff = _rates(threshold, scores, correct, oos_pred, is_oos)
    return ThresholdChoice(threshold, criterion, in_acc, oos_recall, handoff)
