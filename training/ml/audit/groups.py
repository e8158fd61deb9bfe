"""Per-group performance on group-tagged messages: fairlearn's MetricFrame, bootstrap intervals.

The group-tagged set of a grouping is every variant of its family, tagged with the variant's
value of the grouping's attribute (e.g. the name's origin) and labelled with the base message's
intent. Point figures come from MetricFrame. Intervals come from a seeded bootstrap that
resamples each group within itself (group sizes stay fixed), ``n_bootstrap`` times; the interval
of the difference and the ratio is that of the two groups furthest apart on the full data.
Groups smaller than ``min_group_size`` are reported with their size and left out of the
comparison; the comparison is then "insufficient", never a pass.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from training.ml.audit.config import FAIL, GROUP_METRICS, INSUFFICIENT, PASS, AuditConfig

OOS = "oos"


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Macro-F1 over the labels present in either array (scikit-learn's default, zero_division=0)."""
    labels = np.union1d(y_true, y_pred)
    scores = []
    for label in labels:
        tp = np.sum((y_true == label) & (y_pred == label))
        fp = np.sum((y_true != label) & (y_pred == label))
        fn = np.sum((y_true == label) & (y_pred != label))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def _metric_functions(handoff_labels: Collection[str]) -> dict:
    handoff = set(handoff_labels) | {OOS}
    return {
        "accuracy": lambda t, p: float(np.mean(np.asarray(t) == np.asarray(p))),
        "macro_f1": lambda t, p: macro_f1(np.asarray(t), np.asarray(p)),
        "oos_rate": lambda t, p: float(np.mean(np.asarray(p) == OOS)),
        "handoff_rate": lambda t, p: float(np.mean(np.isin(np.asarray(p), list(handoff)))),
    }


def _spread(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    return high - low, (1.0 if high == 0 else low / high)


def group_performance(
    y_true: Sequence[str], y_pred: Sequence[str], groups: Sequence[str], *, handoff_labels: Collection[str],
    config: AuditConfig,
) -> dict:
    """Per-group metrics, largest difference and smallest ratio with intervals, and outcomes."""
    from fairlearn.metrics import MetricFrame

    y_true, y_pred, groups = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object), np.asarray(groups, dtype=object)
    functions = _metric_functions(handoff_labels)
    frame = MetricFrame(metrics=functions, y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    by_group = frame.by_group
    names = sorted(str(g) for g in np.unique(groups))
    sizes = {g: int(np.sum(groups == g)) for g in names}
    measured = [g for g in names if sizes[g] >= config.min_group_size]
    too_small = [{"group": g, "n": sizes[g]} for g in names if sizes[g] < config.min_group_size]
    body: dict = {
        "groups": {g: {"n": sizes[g], "measured": g in measured, **{m: float(by_group.loc[g, m]) for m in GROUP_METRICS}}
                   for g in names},
        "overall": {m: float(frame.overall[m]) for m in GROUP_METRICS},
        "too_small": too_small,
        "metrics": {},
    }
    intervals = _bootstrap(y_true, y_pred, groups, measured, handoff_labels, body["groups"], config) if len(measured) >= 2 else {}
    for metric in GROUP_METRICS:
        entry: dict = {}
        if len(measured) >= 2:
            difference, ratio = _spread([body["groups"][g][metric] for g in measured])
            entry.update(difference=difference, ratio=ratio, **intervals[metric])
        entry.update(_outcome(metric, entry, measured, too_small, config))
        body["metrics"][metric] = entry
    return body


def _fast_metrics(t: np.ndarray, p: np.ndarray, n_labels: int, oos: int, handoff: np.ndarray) -> tuple[float, ...]:
    """The four metrics on integer-coded labels (same definitions as ``_metric_functions``)."""
    tp = np.bincount(t[t == p], minlength=n_labels)
    support = np.bincount(t, minlength=n_labels) + np.bincount(p, minlength=n_labels)
    present = support > 0
    f1 = float(np.mean(2 * tp[present] / support[present])) if present.any() else 0.0
    return float(np.mean(t == p)), f1, float(np.mean(p == oos)), float(np.mean(handoff[p]))


def _bootstrap(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, measured: list[str], handoff_labels: Collection[str],
               points: dict[str, dict[str, float]], config: AuditConfig) -> dict[str, dict]:
    labels = sorted(set(y_true) | set(y_pred) | {OOS})
    code = {label: k for k, label in enumerate(labels)}
    t, p = np.array([code[x] for x in y_true]), np.array([code[x] for x in y_pred])
    handoff = np.array([label in set(handoff_labels) | {OOS} for label in labels])
    rng = np.random.default_rng(config.seed)
    members = {g: np.flatnonzero(groups == g) for g in measured}
    # values[b, g, m]: metric m of group g in resample b
    values = np.empty((config.n_bootstrap, len(measured), len(GROUP_METRICS)))
    for b in range(config.n_bootstrap):
        for j, g in enumerate(measured):
            idx = rng.choice(members[g], size=len(members[g]), replace=True)
            values[b, j] = _fast_metrics(t[idx], p[idx], len(labels), code[OOS], handoff)
    tail = (1 - config.confidence_level) / 2 * 100

    def interval(a: np.ndarray) -> list[float]:
        return [float(np.percentile(a, tail)), float(np.percentile(a, 100 - tail))]

    out = {}
    for k, m in enumerate(GROUP_METRICS):
        # The interval is for the two groups furthest apart on the full data: the range over
        # resampled groups would be biased upwards (it is never below the noise).
        point = [points[g][m] for g in measured]
        lo, hi = int(np.argmin(point)), int(np.argmax(point))
        hi = (lo + 1) % len(measured) if hi == lo else hi
        low, high = values[:, lo, k], values[:, hi, k]
        ratios = np.where(high == 0, 1.0, low / np.where(high == 0, 1.0, high))
        out[m] = {"difference_ci": interval(high - low), "ratio_ci": interval(ratios),
                  "group_ci": {g: interval(values[:, j, k]) for j, g in enumerate(measured)}}
    return out


def _outcome(metric: str, entry: dict, measured: list[str], too_small: list[dict], config: AuditConfig) -> dict:
    small = ", ".join(f"{s['group']} (n={s['n']})" for s in too_small)
    if len(measured) < 2:
        return {"outcome": INSUFFICIENT,
                "reason": f"fewer than two groups large enough to compare; too small to measure: {small}"}
    limit_difference = config.max_difference.get(metric)
    limit_ratio = config.min_ratio.get(metric)
    failures = []
    if limit_difference is not None and entry["difference"] > limit_difference:
        failures.append(f"difference {entry['difference']:.3f} > {limit_difference:g}")
    if limit_ratio is not None and entry["ratio"] < limit_ratio:
        failures.append(f"ratio {entry['ratio']:.3f} < {limit_ratio:g}")
    limits = {"max_difference": limit_difference, "min_ratio": limit_ratio}
    if failures:
        return {"outcome": FAIL, "reason": "; ".join(failures), **limits}
    if too_small:
        return {"outcome": INSUFFICIENT, "reason": f"too small to measure: {small}", **limits}
    return {"outcome": PASS, **limits}
