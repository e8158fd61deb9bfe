"""Checks of intent training data before training: what a person should look at, and what training drops.

Findings, most serious first:
- error: a text carrying two labels (training drops every row of it and names them; strict refuses),
  a label with fewer than two examples, fewer than two intents (training refuses).
- warning: a label with few examples, strong imbalance, near-duplicate texts under different labels
  (encoder cosine similarity), examples whose sentence vector sits closer to another label's
  centroid than to their own (leave-one-out), pairs of labels whose examples mix most.
The encoder checks need sentence vectors; pass ``vectors`` (e.g. from ``embed_texts``) or skip them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from training.ml.intent.data import (
    MIN_EXAMPLES_PER_LABEL,
    OOS_LABEL,
    Example,
    conflicting_texts,
    normalized_text,
    where,
)

FEW_EXAMPLES = 10  # below this a label is usually learnt poorly
IMBALANCE_RATIO = 5.0  # largest label / smallest label
NEAR_DUPLICATE_COSINE = 0.95
MAX_LISTED = 50  # per check; the counts stay exact


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    check: str
    message: str
    rows: list[str] = field(default_factory=list)  # "line 12" or "example 3"
    labels: list[str] = field(default_factory=list)


@dataclass
class ValidationReport:
    n_examples: int
    label_counts: dict[str, int]
    findings: list[Finding]
    counts: dict[str, int]  # findings per check, before MAX_LISTED trimming
    encoder_checks: bool

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def trainable(self) -> bool:
        """Training would go ahead (conflicting rows dropped)."""
        return not [f for f in self.errors if f.check != "conflicting_labels"]

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["trainable"] = self.trainable
        return body

    def to_text(self) -> str:
        lines = [
            f"{self.n_examples} examples, {len(self.label_counts)} labels; "
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
            + ("" if self.encoder_checks else " (encoder checks skipped)")
        ]
        for f in self.findings:
            rows = f" [{', '.join(f.rows[:6])}{', ...' if len(f.rows) > 6 else ''}]" if f.rows else ""
            lines.append(f"{f.severity.upper():7} {f.check}: {f.message}{rows}")
        for check, n in sorted(self.counts.items()):
            shown = sum(1 for f in self.findings if f.check == check)
            if n > shown:
                lines.append(f"        ({check}: {n - shown} more not listed)")
        return "\n".join(lines)


def _conflicts(examples: Sequence[Example]) -> list[Finding]:
    out = []
    for text, idx in conflicting_texts(examples).items():
        labels = sorted({examples[i].label for i in idx})
        out.append(Finding("error", "conflicting_labels",
                           f"{text[:60]!r} is labelled {' and '.join(labels)}; training drops these rows",
                           [where(examples[i], i) for i in idx], labels))
    return out


def _sizes(counts: Counter[str], examples: Sequence[Example]) -> list[Finding]:
    out = []
    in_scope = [label for label in counts if label != OOS_LABEL]
    if len(in_scope) < 2:
        out.append(Finding("error", "too_few_labels", f"need at least two intents, got {len(in_scope)}"))
    for label, n in sorted(counts.items(), key=lambda kv: kv[1]):
        rows = [where(ex, i) for i, ex in enumerate(examples) if ex.label == label] if n < MIN_EXAMPLES_PER_LABEL else []
        if n < MIN_EXAMPLES_PER_LABEL:
            out.append(Finding("error", "too_few_examples",
                               f"{label!r} has {n} example(s) ({', '.join(rows)}); at least {MIN_EXAMPLES_PER_LABEL} "
                               "are needed", rows, [label]))
        elif n < FEW_EXAMPLES and label != OOS_LABEL:
            out.append(Finding("warning", "few_examples",
                               f"{label!r} has only {n} examples; {FEW_EXAMPLES} or more are learnt much better", [], [label]))
    sizes = [counts[label] for label in in_scope]
    if len(sizes) >= 2 and min(sizes) and max(sizes) / min(sizes) > IMBALANCE_RATIO:
        small = sorted(in_scope, key=lambda label: counts[label])[:5]
        big = max(in_scope, key=lambda label: counts[label])
        out.append(Finding("warning", "imbalance",
                           f"largest label {big!r} has {counts[big]} examples, {max(sizes) / min(sizes):.1f} times the "
                           f"smallest; smallest: {', '.join(f'{s} ({counts[s]})' for s in small)}", [], [big, *small]))
    return out


def _exact_duplicates(examples: Sequence[Example]) -> list[Finding]:
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        seen[(normalized_text(ex.text), ex.label)].append(i)
    return [Finding("warning", "duplicate", f"{examples[idx[0]].text[:60]!r} appears {len(idx)} times under "
                    f"{examples[idx[0]].label!r}", [where(examples[i], i) for i in idx], [examples[idx[0]].label])
            for idx in seen.values() if len(idx) > 1]


def _encoder_findings(examples: Sequence[Example], vectors: np.ndarray) -> list[Finding]:
    labels = sorted({ex.label for ex in examples})
    index = {label: i for i, label in enumerate(labels)}
    y = np.array([index[ex.label] for ex in examples])
    out: list[Finding] = []

    # near-duplicates across labels (exact conflicts are reported above)
    norm = [normalized_text(ex.text) for ex in examples]
    for start in range(0, len(examples), 512):
        sims = vectors[start : start + 512] @ vectors.T
        rows, cols = np.nonzero(sims >= NEAR_DUPLICATE_COSINE)
        for r, c in zip(rows + start, cols, strict=True):
            if r < c and y[r] != y[c] and norm[r] != norm[c]:
                a, b = examples[r], examples[c]
                out.append(Finding("warning", "near_duplicate",
                                   f"{a.text[:50]!r} ({a.label}) and {b.text[:50]!r} ({b.label}) are near-identical "
                                   f"(cosine {sims[r - start, c]:.2f})", [where(a, int(r)), where(b, int(c))],
                                   [a.label, b.label]))

    # nearest centroid, leaving each example out of its own label's centroid
    sums = np.zeros((len(labels), vectors.shape[1]))
    np.add.at(sums, y, vectors)
    sizes = np.bincount(y, minlength=len(labels)).astype(float)
    confusion: Counter[tuple[str, str]] = Counter()
    for i, ex in enumerate(examples):
        if sizes[y[i]] < 2 or ex.label == OOS_LABEL:
            continue
        centroids = sums.copy()
        centroids[y[i]] = (sums[y[i]] - vectors[i]) / (sizes[y[i]] - 1)
        others = np.arange(len(labels)) != y[i]
        centroids[others] /= sizes[others, None]
        centroids /= np.clip(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12, None)
        sims = centroids @ vectors[i]
        best = int(sims.argmax())
        if best != y[i] and labels[best] != OOS_LABEL:
            confusion[(ex.label, labels[best])] += 1
            out.append(Finding("warning", "looks_like_other_label",
                               f"{ex.text[:60]!r} ({ex.label}) is closer to {labels[best]!r} "
                               f"(cosine {sims[best]:.2f} vs {sims[y[i]]:.2f} to its own label)",
                               [where(ex, i)], [ex.label, labels[best]]))
    for (a, b), n in confusion.most_common(10):
        if n >= 2:
            out.append(Finding("warning", "confusable_labels",
                               f"{n} examples of {a!r} look more like {b!r}: consider clearer examples or merging",
                               [], [a, b]))
    return out


def validate_data(examples: Sequence[Example], *, vectors: np.ndarray | None = None) -> ValidationReport:
    """Every finding about ``examples``; ``vectors`` (unit sentence vectors, one per example) enable the encoder checks."""
    if vectors is not None and len(vectors) != len(examples):
        raise ValueError(f"{len(vectors)} vectors for {len(examples)} examples")
    counts = Counter(ex.label for ex in examples)
    findings = _conflicts(examples) + _sizes(counts, examples) + _exact_duplicates(examples)
    if vectors is not None and len(examples) > 1:
        findings += _encoder_findings(examples, np.asarray(vectors, dtype=np.float32))
    per_check = Counter(f.check for f in findings)
    listed: Counter[str] = Counter()
    kept = []
    for f in sorted(findings, key=lambda f: f.severity != "error"):  # stable: errors first
        listed[f.check] += 1
        if listed[f.check] <= MAX_LISTED:
            kept.append(f)
    return ValidationReport(n_examples=len(examples), label_counts=dict(sorted(counts.items())), findings=kept,
                            counts=dict(per_check), encoder_checks=vectors is not None)
