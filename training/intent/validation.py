"""Checking the intent training data (database examples, or a CSV) before a run: the report people read."""

from __future__ import annotations

from training.intent.data import intent_data_from_db
from training.ml.intent import Example, load_csv
from training.ml.intent.data import OOS_LABEL
from training.ml.intent.embed import embed_texts
from training.ml.intent.validate import ValidationReport, validate_data


def intent_examples_for_validation(*, csv_path: str | None = None) -> list[Example]:
    """The rows a run would train on: the CSV's, or the database's (out-of-scope rows as ``oos``)."""
    if csv_path:
        return load_csv(csv_path)
    data = intent_data_from_db()
    rows = [Example(text=t, label=label) for t, label in data.examples]
    return rows + [Example(text=t, label=OOS_LABEL) for t in data.oos_texts]


def intent_data_validate(*, csv_path: str | None = None, encoder: bool = True, base_model: str | None = None) -> ValidationReport:
    """Every finding about the training data; ``encoder`` adds the sentence-vector checks (a few seconds)."""
    examples = intent_examples_for_validation(csv_path=csv_path)
    vectors = embed_texts([ex.text for ex in examples], base_model=base_model) if encoder and len(examples) > 1 else None
    return validate_data(examples, vectors=vectors)
