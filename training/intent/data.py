"""Training data snapshots taken from the database (no ML imports here)."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.demo import OOS_INTENT
from conversations.models import TrainingExample


@dataclass(frozen=True)
class IntentData:
    examples: list[tuple[str, str]]  # (text, label)
    oos_texts: list[str]


def intent_data_from_db() -> IntentData:
    rows = TrainingExample.objects.order_by("id").values_list("text", "intent__name")
    examples = [(text, label) for text, label in rows if label != OOS_INTENT]
    oos = [text for text, label in rows if label == OOS_INTENT]
    return IntentData(examples=examples, oos_texts=oos)
