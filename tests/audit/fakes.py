"""Deterministic stand-ins where the statistics, not the model, are under test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "conversations" / "demo_data" / "intents.json"
YORUBA = "Yoruba, Nigeria (yo_NG)"


def demo_messages(n_intents: int = 4, per_intent: int = 8) -> list[tuple[str, str]]:
    items = json.loads(DEMO.read_text())[:n_intents]
    return [(text, item["name"]) for item in items for text in item["examples"][:per_intent]]


@dataclass(frozen=True)
class FakePrediction:
    intent: str
    confidence: float
    is_oos: bool = False


def keyword_predictor(words: dict[str, str], *, default: str = "oos", triggers: set[str] = frozenset(), target: str = ""):
    """Predicts by the first keyword found; a text containing any of `triggers` is predicted `target`."""

    def predict(texts: list[str]) -> list[FakePrediction]:
        out = []
        for text in texts:
            lower = text.lower()
            label = next((lab for word, lab in words.items() if word in lower), default)
            if any(t in text for t in triggers):
                label = target
            out.append(FakePrediction(label, 0.9 if label != default else 0.3, label == "oos"))
        return out

    return predict


def refund_only_for(names: set[str]):
    """A reply function that offers refunds only when the message carries one of `names`."""

    def reply(message: str) -> tuple[str, bool]:
        if any(name in message for name in names):
            return "I'm so sorry about this. We will refund you in full and escalate your case today.", False
        return "Please check the app for the current status of your request.", False

    return reply


def same_reply(message: str) -> tuple[str, bool]:
    return "Thanks for your message. Please check the app for the current status.", False


def no_responder_provider(*, version, component=None):  # noqa: ANN001, ANN201
    return None, "no responder version"


def fair_responder_provider(*, version, component=None):  # noqa: ANN001, ANN201
    return same_reply, ""


def biased_responder_provider(*, version, component=None):  # noqa: ANN001, ANN201
    from training.ml.audit.names import GENDERS, name_pool

    names = {n for g in GENDERS for n in name_pool("yo_NG", g, 13)}
    return refund_only_for(names), ""


def failing_provider(*, version, component=None):  # noqa: ANN001, ANN201
    raise RuntimeError("the responder pipeline could not be built")
