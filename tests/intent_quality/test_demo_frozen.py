"""The frozen demo phrasings stay a fair test: fresh, labelled with real intents, never taught."""

from __future__ import annotations

import json
import re
from collections import Counter

from conversations.demo import DEMO_DIR, OOS_INTENT
from training.intent.frozen import FROZEN_DEMO_FILE, frozen_demo_load


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def test_every_demo_intent_has_at_least_five_frozen_phrasings():
    intents = {item["name"] for item in json.loads((DEMO_DIR / "intents.json").read_text(encoding="utf-8"))}
    counts = Counter(ex.label for ex in frozen_demo_load())
    assert set(counts) - {OOS_INTENT} == intents
    assert min(counts[name] for name in intents) >= 5


def test_no_frozen_phrasing_is_a_training_example():
    intents = json.loads((DEMO_DIR / "intents.json").read_text(encoding="utf-8"))
    oos = json.loads((DEMO_DIR / "out_of_scope.json").read_text(encoding="utf-8"))
    taught = {_norm(text) for item in intents for text in item["examples"]} | {_norm(text) for text in oos}
    frozen = [_norm(ex.text) for ex in frozen_demo_load()]
    assert len(set(frozen)) == len(frozen)
    assert not set(frozen) & taught


def test_the_frozen_file_is_where_the_bench_reads_it():
    assert FROZEN_DEMO_FILE.is_file() and FROZEN_DEMO_FILE.suffix == ".jsonl"
