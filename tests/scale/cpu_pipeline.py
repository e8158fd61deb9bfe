"""A pipeline whose every step burns CPU in Python, as intent, retrieval and extractive answers do."""

from __future__ import annotations

import time
from collections.abc import Iterator

from conversations.bot.pipeline import Classification, Pipeline, Source, Turn
from tests.live.pipelines import SOURCE, FixedRetriever

BURN_S = 0.4
PROVIDER = "tests.scale.cpu_pipeline.cpu_pipeline"


def burn(seconds: float = BURN_S) -> None:
    end = time.thread_time() + seconds
    total = 0
    while time.thread_time() < end:
        total += sum(range(1000))


class BurningClassifier:
    version = 1

    def classify(self, text: str) -> Classification:
        burn()
        return Classification(intent="card_arrival", confidence=0.93, out_of_scope=False, model_version=1)


class BurningRetriever(FixedRetriever):
    def retrieve(self, *, text: str, history: list[Turn], intent: str | None) -> list[Source]:
        burn()
        return [SOURCE]


class BurningResponder:
    version = 1

    def generate(self, *, text: str, history: list[Turn], classification: Classification, sources: list[Source]) -> Iterator[str]:
        for chunk in ["Your new card ", "usually arrives ", "within 3-5 working days [1]."]:
            burn(BURN_S / 2)
            yield chunk


def cpu_pipeline() -> Pipeline:
    return Pipeline(classifier=BurningClassifier(), retriever=BurningRetriever(), responder=BurningResponder())
