"""The frozen demo test set: fresh customer phrasings for the demo intents, never used for training.

Written once, before the demo examples were tuned, so that the demo model's figure on it is a
fair estimate of how it does on messages nobody has seen (tests/intent_quality guards that none
of them is ever copied into the training examples).
"""

from __future__ import annotations

import json
from pathlib import Path

from training.ml.intent import Example

FROZEN_DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_frozen.jsonl"


def frozen_demo_load(path: Path = FROZEN_DEMO_FILE) -> list[Example]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(text=row["text"], label=row["label"]) for row in rows]
