"""Training examples: CSV loading, validation, hashing and the stratified split."""

from __future__ import annotations

import csv
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from training.ml.common.artifacts import sha256_of_records
from training.ml.intent.errors import IntentDataError

OOS_LABEL = "oos"
MIN_EXAMPLES_PER_LABEL = 2
# Banking77's train.csv is 0.7 MB; a file 30 times that is far more than one bot's intents and
# would hold the worker for a long time: refuse it before reading.
MAX_CSV_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    line: int | None = field(default=None, compare=False)  # CSV line it came from, for messages


def where(ex: Example, index: int) -> str:
    """How a message names one example: its CSV line, else its position."""
    return f"line {ex.line}" if ex.line is not None else f"example {index}"


def load_csv(
    path: str | os.PathLike[str], *, text_column: str = "text", label_column: str = "label"
) -> list[Example]:
    """Read a ``text,label`` CSV (UTF-8, header row; extra columns are ignored).

    Every bad row is reported with its line number in one IntentDataError.
    Rows labelled ``oos`` are out-of-scope examples.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise IntentDataError(f"{path}: file not found") from exc
    if size > MAX_CSV_BYTES:
        raise IntentDataError(
            f"{path}: the file is {size / 1024 / 1024:.1f} MB; at most {MAX_CSV_BYTES // 1024 // 1024} MB "
            "of training examples are accepted (split it, or drop duplicate rows)"
        )
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise IntentDataError(
            f"{path}: line {line}: not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8"
        ) from exc
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames
            if not header:
                raise IntentDataError(f"{path}: the file is empty; expected a header row '{text_column},{label_column}'")
            header_clean = [name.strip() for name in header]
            missing = [col for col in (text_column, label_column) if col not in header_clean]
            if missing:
                raise IntentDataError(
                    f"{path}: line 1: missing column(s) {', '.join(map(repr, missing))}; "
                    f"found {', '.join(map(repr, header_clean))}"
                )
            reader.fieldnames = header_clean
            examples: list[Example] = []
            problems: list[str] = []
            for row in reader:
                line = reader.line_num
                text = (row.get(text_column) or "").strip()
                label = (row.get(label_column) or "").strip()
                if not text and not label and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue  # blank line
                if not text:
                    problems.append(f"line {line}: empty text")
                if not label:
                    problems.append(f"line {line}: empty label")
                if text and label:
                    examples.append(Example(text=text, label=label, line=line))
    except FileNotFoundError as exc:
        raise IntentDataError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        raise IntentDataError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise IntentDataError(f"{path}: malformed CSV: {exc}") from exc
    if problems:
        raise IntentDataError(f"{path}: {len(problems)} bad row(s)", problems)
    if not examples:
        raise IntentDataError(f"{path}: no examples after the header")
    return examples


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def normalized_text(text: str) -> str:
    """The form two texts must share to count as the same message (case and spacing ignored)."""
    return _norm(text)


def conflicting_texts(examples: Sequence[Example]) -> dict[str, list[int]]:
    """Normalised text -> indices of its rows, for every text that carries more than one label."""
    rows: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        rows[_norm(ex.text)].append(i)
    return {t: idx for t, idx in rows.items() if len({examples[i].label for i in idx}) > 1}


def drop_conflicts(examples: Sequence[Example]) -> tuple[list[Example], list[dict[str, object]]]:
    """Examples without the texts that carry two labels, and what was dropped (for the run's report).

    Every row of a conflicting text goes: keeping the majority label would guess which one is right.
    """
    conflicts = conflicting_texts(examples)
    dropped_rows = {i for idx in conflicts.values() for i in idx}
    report = [
        {
            "text": examples[idx[0]].text,
            "labels": sorted({examples[i].label for i in idx}),
            "rows": [where(examples[i], i) for i in idx],
        }
        for idx in conflicts.values()
    ]
    return [ex for i, ex in enumerate(examples) if i not in dropped_rows], report


def validate_examples(examples: Sequence[Example], *, min_per_label: int = MIN_EXAMPLES_PER_LABEL) -> None:
    """Raise IntentDataError listing every reason these examples cannot train a classifier.

    Rules: text and label are non-empty strings; at least two in-scope labels; every label
    (``oos`` included) has at least ``min_per_label`` examples (one for training, one for
    validation); the same text (case and spacing ignored) never carries two labels.
    """
    problems: list[str] = []
    if not examples:
        raise IntentDataError("no training examples")
    for i, ex in enumerate(examples):
        if not isinstance(ex, Example):
            problems.append(f"example {i}: expected Example(text, label), got {type(ex).__name__}")
            continue
        if not isinstance(ex.text, str) or not ex.text.strip():
            problems.append(f"example {i}: empty text")
        if not isinstance(ex.label, str) or not ex.label.strip():
            problems.append(f"example {i}: empty label (text {str(ex.text)[:40]!r})")
    if problems:
        raise IntentDataError("invalid examples", problems)

    counts = Counter(ex.label for ex in examples)
    in_scope = [label for label in counts if label != OOS_LABEL]
    if len(in_scope) < 2:
        problems.append(f"need at least two intents, got {len(in_scope)} ({', '.join(map(repr, in_scope)) or 'none'})")
    for label, count in sorted(counts.items()):
        if count < min_per_label:
            rows = ", ".join(where(ex, i) for i, ex in enumerate(examples) if ex.label == label)
            problems.append(
                f"label {label!r} has {count} example(s) ({rows}); at least {min_per_label} are needed "
                "(one to train on, one to validate)"
            )
    for text, idx in conflicting_texts(examples).items():
        labelled = "; ".join(f"{where(examples[i], i)}: {examples[i].label}" for i in idx)
        problems.append(f"text {text[:60]!r} carries two labels ({labelled})")
    if problems:
        raise IntentDataError("the examples cannot train an intent classifier", problems)


def merge_oos(examples: Iterable[Example], oos_texts: Iterable[str] | None) -> list[Example]:
    """Examples plus out-of-scope texts as ``oos`` examples (blank texts are an error, not skipped)."""
    merged = list(examples)
    for i, text in enumerate(oos_texts or ()):
        if not isinstance(text, str) or not text.strip():
            raise IntentDataError(f"out-of-scope text {i} is empty")
        merged.append(Example(text=text.strip(), label=OOS_LABEL))
    return merged


def data_hash(examples: Iterable[Example]) -> str:
    """SHA-256 of the sorted (text, label) pairs: equal for the same data in any order."""
    return sha256_of_records((ex.text, ex.label) for ex in examples)


def stratified_split(
    examples: Sequence[Example], *, val_fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split keeping label proportions; the validation split holds at least one example per label
    on average so calibration sees every intent, and the training split keeps every label."""
    from sklearn.model_selection import train_test_split

    n = len(examples)
    n_labels = len({ex.label for ex in examples})
    n_val = max(math.ceil(val_fraction * n), n_labels)
    if n - n_val < n_labels:
        raise IntentDataError(
            f"{n} examples over {n_labels} labels are too few for a validation split "
            f"(need at least {2 * n_labels}; add examples)"
        )
    labels = [ex.label for ex in examples]
    train, val = train_test_split(list(examples), test_size=n_val, stratify=labels, random_state=seed)
    missing = {ex.label for ex in examples} - {ex.label for ex in train}
    if missing:  # cannot happen with >= 2 examples per label, but training would silently drop them
        raise IntentDataError(f"labels {sorted(missing)} ended up without training examples")
    return list(train), list(val)
