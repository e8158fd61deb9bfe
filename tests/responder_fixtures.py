"""Session fixtures of a real responder fine-tuned once for a few steps on CPU.

Imported by tests/conftest.py, so the ML tests and the Django tests share one trained artifact.
The base model folder comes from $CHATBOT_MODEL_DIR/base or <repo>/var/models/base (converted
there from the packaged GGUF on first use, ~25 s).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["TrainedResponder", "responder", "responder_base_dir", "responder_pairs", "trained_responder"]

REPO = Path(__file__).resolve().parents[1]
# One torch thread: the loss sequence is the same, and shared CI machines are not oversubscribed.
FIXTURE_CONFIG = {
    "max_steps": 6, "batch_size": 1, "grad_accum": 1, "max_length": 256, "max_prompt_tokens": 224,
    "max_reply_tokens": 96, "min_pairs": 16, "held_out_fraction": 0.15, "learning_rate": 1e-4,
    "warmup_ratio": 0.0, "device": "cpu", "torch_threads": 1, "progress_every": 2, "max_new_tokens": 40,
}

# A tiny invented help centre (Kestrel Bank, the demo company): id -> (title, text).
ARTICLES: dict[int, tuple[str, str]] = {
    11: ("When will my card arrive?", "New cards are sent by post and arrive within 3 to 5 working days. "
         "You can follow the card under Cards > Card status in the app."),
    12: ("Lost or stolen card", "Freeze your card straight away in the app under Cards > Freeze card. "
         "Then order a replacement, which is free of charge."),
    13: ("Transfer fees", "Transfers to UK accounts are free and usually arrive within 2 hours. "
         "International transfers cost 0.5% of the amount, with a minimum fee of £2."),
    14: ("Savings interest", "The Easy Access Saver pays 3.75% AER and you can withdraw at any time. "
         "Interest is paid monthly into the savings account."),
    15: ("Changing your PIN", "You can change your PIN at any Kestrel cash machine or view it in the app "
         "under Cards > Show PIN. The new PIN works straight away."),
    16: ("Closing your account", "To close your account, move your money out first, then tap Profile > "
         "Close account. Closing takes up to 2 working days."),
}
QUESTIONS: dict[int, list[str]] = {
    11: ["When will my new card arrive?", "my card still hasn't come", "how long does card delivery take?"],
    12: ["I lost my card", "my card was stolen, what do I do?", "can't find my debit card anywhere"],
    13: ["how much does a transfer abroad cost?", "are UK transfers free?", "what is the fee for sending money?"],
    14: ["what interest does the saver pay?", "how often is savings interest paid?", "savings rate please"],
    15: ["how do I change my PIN?", "I forgot my PIN", "where can I see my PIN?"],
    16: ["I want to close my account", "how do I shut my account down?", "close account please"],
}
UNANSWERABLE = ["can you recommend a good mortgage broker?", "what's the weather in London?",
                "do you sell travel insurance?", "can I open a business account for my shop?",
                "what shares should I buy?", "can you unblock my gas meter?"]


def _passage(article_id: int) -> Any:
    from training.ml.responder import SourcePassage

    title, text = ARTICLES[article_id]
    return SourcePassage(article_id=article_id, title=title, text=text)


def make_responder_pairs() -> list[Any]:
    """24 pairs: 18 answered from the gold article (at position [1] or [2]) and 6 hand-offs."""
    from training.ml.responder import HANDOFF_REPLY, Pair, ResponderInput, kb_reply

    ids = sorted(ARTICLES)
    pairs = []
    for n, (article_id, questions) in enumerate(sorted(QUESTIONS.items())):
        other = ids[(n + 1) % len(ids)]
        for k, question in enumerate(questions):
            gold_first = k != 1
            order = [article_id, other] if gold_first else [other, article_id]
            reply = kb_reply(*ARTICLES[article_id])
            history = [("customer", "Hello"), ("bot", "Hi! How can I help?")] if k == 2 else []
            inp = ResponderInput(question=question, history=history, intent=None,
                                 passages=[_passage(i) for i in order])
            pairs.append(Pair(inp, reply if gold_first else reply.replace("[1]", "[2]"), (article_id,), "test"))
    for n, question in enumerate(UNANSWERABLE):
        inp = ResponderInput(question=question, passages=[_passage(ids[n % len(ids)])])
        pairs.append(Pair(inp, HANDOFF_REPLY, (), "test"))
    return pairs


def base_model_dir() -> Path:
    root = os.environ.get("CHATBOT_MODEL_DIR")
    return Path(root) / "base" if root else REPO / "var" / "models" / "base"


@dataclass
class TrainedResponder:
    path: Path
    result: Any  # ResponderTrainingResult
    pairs: list[Any]
    progress: list[Any] = field(default_factory=list)  # TrainingProgress reports


@pytest.fixture(scope="session")
def responder_base_dir() -> Path:
    return base_model_dir()


@pytest.fixture(scope="session")
def responder_pairs() -> list[Any]:
    return make_responder_pairs()


@pytest.fixture(scope="session")
def trained_responder(tmp_path_factory: pytest.TempPathFactory, responder_base_dir: Path,
                      responder_pairs: list[Any]) -> TrainedResponder:
    from training.ml.responder import ResponderConfig, train

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = tmp_path_factory.mktemp("responder") / "artifact"
    reports: list[Any] = []
    config = ResponderConfig(base_cache_dir=str(responder_base_dir), **FIXTURE_CONFIG)
    result = train(responder_pairs, path, config, progress=reports.append)
    return TrainedResponder(path=path, result=result, pairs=responder_pairs, progress=reports)


@pytest.fixture(scope="session")
def responder(trained_responder: TrainedResponder) -> Any:
    from training.ml.responder import load_responder

    return load_responder(trained_responder.path)
