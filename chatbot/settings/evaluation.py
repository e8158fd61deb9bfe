"""Answer-quality evaluation and its activation gate (docs/evaluation.md)."""

import json

from chatbot.settings.env import env_bool, env_float, env_str
from chatbot.settings.paths import BASE_DIR

# Activating a responder version needs a passed answer evaluation on the dev split (or a recorded override).
ANSWER_GATE_ENABLED = env_bool("ANSWER_GATE_ENABLED", True)
# Every new responder version is evaluated (extractive vs its generative tier, dev split) by a training worker.
ANSWER_EVAL_ON_NEW_VERSION = env_bool("ANSWER_EVAL_ON_NEW_VERSION", True)
# The minimum any version may serve at; overrides as JSON, e.g. '{"answer_accuracy": 0.85}'.
ANSWER_GATE_FLOORS = {"answer_accuracy": 0.8, "unsupported_sentence_rate": 0.02, "handoff_recall": 0.9,
                      **json.loads(env_str("ANSWER_GATE_FLOORS", "{}"))}
# The generative tier answers only when its dev answer_accuracy beats the extractive tier's by this much.
ANSWER_GATE_MARGIN = env_float("ANSWER_GATE_MARGIN", 0.02)
ANSWER_EVAL_DEV_DATA = env_str("ANSWER_EVAL_DEV_DATA", str(BASE_DIR / "training" / "evaluation" / "data" / "answers_dev.jsonl"))
# The conversation tests the gate runs (a YAML file or a folder of them; empty: none).
ANSWER_GATE_STORIES = env_str("ANSWER_GATE_STORIES", str(BASE_DIR / "training" / "evaluation" / "stories"))
