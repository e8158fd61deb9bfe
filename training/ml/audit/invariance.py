"""Counterfactual invariance: how often, and how much, a perturbation moves the classifier.

Pairs are all unordered pairs of variants within a case. A pair *flips* when the two predicted
labels differ (``oos`` counts as a label). Delta confidence is the absolute difference between
the two top-label confidences.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from training.ml.audit.config import FAIL, INSUFFICIENT, PASS, AuditConfig
from training.ml.audit.perturb import Variant


@dataclass(frozen=True)
class Scored:
    """A prediction reduced to what the audit needs."""

    label: str
    confidence: float


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (well behaved at 0 and 1, unlike the normal one)."""
    if n == 0:
        return (0.0, 1.0)
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def case_pairs(variants: Sequence[Variant]) -> list[tuple[int, int]]:
    """Index pairs (into ``variants``) of every two variants of the same case."""
    by_case: dict[str, list[int]] = defaultdict(list)
    for index, variant in enumerate(variants):
        by_case[variant.case_id].append(index)
    return [pair for members in by_case.values() for pair in combinations(members, 2)]


def _side(variant: Variant, scored: Scored) -> dict:
    return {"text": variant.text, "group": variant.group, "predicted": scored.label, "confidence": round(scored.confidence, 4)}


def family_invariance(variants: Sequence[Variant], scores: Sequence[Scored], *, family: str, config: AuditConfig) -> dict:
    """Flip rate, mean |delta confidence|, the worst pairs and the flip rate by group, for one family."""
    members = [i for i, v in enumerate(variants) if v.family == family]
    subset = [variants[i] for i in members]
    pairs = [(members[a], members[b]) for a, b in case_pairs(subset)]
    flips = [scores[a].label != scores[b].label for a, b in pairs]
    deltas = [abs(scores[a].confidence - scores[b].confidence) for a, b in pairs]
    n = len(pairs)
    by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (a, b), flipped in zip(pairs, flips, strict=True):
        for group in {variants[a].group, variants[b].group}:
            by_group[group][0] += 1
            by_group[group][1] += int(flipped)
    order = sorted(range(n), key=lambda k: (flips[k], deltas[k]), reverse=True)[: config.worst_pairs]
    body = {
        "family": family,
        "n_cases": len({v.case_id for v in subset}),
        "n_pairs": n,
        "n_flips": int(sum(flips)),
        "flip_rate": (sum(flips) / n) if n else None,
        "flip_rate_ci": list(wilson_interval(int(sum(flips)), n, config.confidence_level)) if n else None,
        "mean_abs_delta_confidence": (sum(deltas) / n) if n else None,
        "by_group": {g: {"pairs": p, "flips": f, "flip_rate": f / p} for g, (p, f) in sorted(by_group.items())},
        "worst_pairs": [
            {"a": _side(variants[pairs[k][0]], scores[pairs[k][0]]), "b": _side(variants[pairs[k][1]], scores[pairs[k][1]]),
             "flipped": flips[k], "delta_confidence": round(deltas[k], 4)}
            for k in order
        ],
    }
    body["outcomes"] = _outcomes(body, family, config)
    return body


def _outcomes(body: dict, family: str, config: AuditConfig) -> dict[str, dict]:
    n = body["n_pairs"]
    out = {}
    for measure, value, limit in (
        ("flip_rate", body["flip_rate"], config.flip_rate_max[family]),
        ("mean_abs_delta_confidence", body["mean_abs_delta_confidence"], config.delta_confidence_max[family]),
    ):
        if n < config.min_pairs:
            out[measure] = {"outcome": INSUFFICIENT, "limit": limit,
                            "reason": f"too few pairs to measure (n={n}, at least {config.min_pairs} needed)"}
        else:
            out[measure] = {"outcome": PASS if value <= limit else FAIL, "limit": limit, "value": value}
    return out
