"""Fixtures of the ML tests: one real (small) model trained once per session on CPU."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from training.ml.intent.data import OOS_LABEL, Example  # noqa: E402

DEMO_DIR = Path(__file__).resolve().parents[2] / "conversations" / "demo_data"
HELD_OUT_PER_INTENT = 3
MAX_INTENTS = 8
MAX_TRAIN_PER_INTENT = 10

# Used when conversations/demo_data/intents.json is absent.
BUILTIN_INTENTS: dict[str, list[str]] = {
    "order_status": [
        "where is my order", "has my package shipped yet", "when will my order arrive",
        "track my parcel please", "my order hasn't arrived", "what's the status of my order",
        "is my delivery on its way", "how long until my package gets here",
        "can you tell me where my shipment is", "my parcel is late", "order still not delivered",
        "I want to know when my order will come", "tracking number for my order",
    ],
    "refund_request": [
        "I want my money back", "how do I get a refund", "refund my purchase please",
        "can I return this for a refund", "I'd like to be reimbursed", "please refund the item",
        "the product was broken, I want a refund", "how long do refunds take",
        "I was charged but want a refund", "give me a refund for my last order",
        "request a refund", "can you reimburse me", "money back for a faulty item",
    ],
    "cancel_subscription": [
        "cancel my subscription", "I want to stop my membership", "how do I unsubscribe",
        "end my plan", "stop the monthly payments", "please cancel my account subscription",
        "I no longer want the premium plan", "terminate my subscription",
        "don't renew my subscription", "how can I cancel auto renewal", "quit my membership",
        "cancel the plan at the end of the month", "stop billing me every month",
    ],
    "reset_password": [
        "I forgot my password", "reset my password", "I can't log in to my account",
        "how do I change my password", "password reset link not working", "locked out of my account",
        "my login doesn't work", "I need a new password", "help me recover my account",
        "can't sign in, forgot password", "change the password on my profile",
        "send me a password reset email", "my password is not accepted",
    ],
    "change_address": [
        "update my shipping address", "I moved, change my address", "change the delivery address",
        "edit my address", "ship to a different address", "my address is wrong",
        "how do I update where my orders go", "new home address for my account",
        "correct the street name in my address", "deliver to my office instead",
        "change address on my order", "I need to update my postal code", "modify billing address",
    ],
    "talk_to_human": [
        "I want to talk to a person", "connect me to an agent", "can I speak to a human",
        "get me a real person", "customer service representative please", "let me talk to support staff",
        "I need a human agent", "transfer me to an operator", "is there a person I can chat with",
        "stop the bot, human please", "speak with someone from support", "call center agent",
        "I'd rather talk to a real human",
    ],
}
BUILTIN_OOS = [
    "what's the weather like tomorrow", "tell me a joke", "who won the football game last night",
    "recommend a good movie", "how do I bake bread", "what is the capital of France",
    "play some music", "how tall is mount everest", "what's your favourite colour",
    "translate hello into spanish", "how many calories in an apple", "set an alarm for 7am",
    "what time is it in Tokyo", "write me a poem about cats", "who is the president of Brazil",
    "how do I fix a flat bike tyre",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: trains or loads a real model (seconds to a minute)")


@dataclass(frozen=True)
class Dataset:
    train: list[Example]  # in-scope training examples
    oos_train: list[str]
    test: list[Example]  # held out, in scope and oos rows
    source: str


def _load_intents() -> tuple[dict[str, list[str]], list[str], str]:
    path = DEMO_DIR / "intents.json"
    if path.is_file():
        intents = {item["name"]: list(item["examples"]) for item in json.loads(path.read_text())}
        intents = {k: v for k, v in intents.items() if len(v) >= HELD_OUT_PER_INTENT + 4}
        oos_path = DEMO_DIR / "out_of_scope.json"
        oos = json.loads(oos_path.read_text()) if oos_path.is_file() else []
        if len(intents) >= 3:
            return intents, oos, str(path)
    return BUILTIN_INTENTS, BUILTIN_OOS, "builtin"


def make_dataset() -> Dataset:
    intents, oos, source = _load_intents()
    rng = random.Random(0)
    train, test = [], []
    for name in sorted(intents)[:MAX_INTENTS]:
        texts = intents[name][:]
        rng.shuffle(texts)
        test += [Example(t, name) for t in texts[:HELD_OUT_PER_INTENT]]
        train += [Example(t, name) for t in texts[HELD_OUT_PER_INTENT : HELD_OUT_PER_INTENT + MAX_TRAIN_PER_INTENT]]
    oos = oos[:]
    rng.shuffle(oos)
    n_test_oos = max(2, len(oos) // 4) if len(oos) >= 6 else 0
    test += [Example(t, OOS_LABEL) for t in oos[:n_test_oos]]
    return Dataset(train=train, oos_train=oos[n_test_oos : n_test_oos + 16], test=test, source=source)


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return make_dataset()


@dataclass
class Trained:
    path: Path
    result: object  # TrainingResult
    progress: list  # TrainingProgress reports


# ood_method "msp": these tests pin the probability threshold; tests/intent_quality/test_ood.py covers the distance rules.
FAST_CONFIG = {"epochs": 8, "min_steps": 0, "batch_size": 16, "max_length": 32, "val_fraction": 0.2, "progress_every": 2,
               "ood_method": "msp"}


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, dataset: Dataset) -> Trained:
    import torch

    from training.ml.intent import IntentTrainingConfig, train

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    path = tmp_path_factory.mktemp("intent") / "artifact"
    reports: list = []
    result = train(
        dataset.train, path, IntentTrainingConfig(**FAST_CONFIG), oos_texts=dataset.oos_train, progress=reports.append
    )
    return Trained(path=path, result=result, progress=reports)
