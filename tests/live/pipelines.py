"""Deterministic, slow, multi-token pipelines for the live-chat tests and benchmark.

Plug one in with CHAT_PIPELINE_PROVIDER (the seam later model issues fill):
    CHAT_PIPELINE_PROVIDER=tests.live.pipelines.streaming_pipeline

Keywords: "human" asks for a person, "weather" is out of scope, "slow" makes each token ten
times slower; anything else is answered about card delivery with one cited source.
LIVE_TOKEN_DELAY_S sets the pause before each token (default 0.02 s).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from conversations.bot.pipeline import Classification, Pipeline, Source, Turn

ANSWER = ["Your new card ", "usually arrives ", "within 3-5 ", "working days [1]. ", "You can track it ", "in the app [1]."]
SOURCE = Source(article_id=1, title="Card delivery", url="https://kestrel.example/help/card-delivery", score=0.91, passage="")
HUMAN_INTENT = "human_agent"


def token_delay_s() -> float:
    return float(os.environ.get("LIVE_TOKEN_DELAY_S", "0.02"))


class KeywordClassifier:
    version = 1

    def classify(self, text: str) -> Classification:
        lowered = text.lower()
        if "human" in lowered:
            return Classification(intent=HUMAN_INTENT, confidence=0.9, out_of_scope=False, model_version=1)
        if "weather" in lowered:
            return Classification(intent=None, confidence=0.2, out_of_scope=True, model_version=1)
        return Classification(intent="card_arrival", confidence=0.93, out_of_scope=False, model_version=1)


class FixedRetriever:
    version = 1

    def retrieve(self, *, text: str, history: list[Turn], intent: str | None) -> list[Source]:
        # Like a real index, nothing about the weather: a confident hit would overrule the out-of-scope verdict.
        return [] if "weather" in text.lower() else [SOURCE]


class SlowResponder:
    version = 1

    def generate(self, *, text: str, history: list[Turn], classification: Classification, sources: list[Source]) -> Iterator[str]:
        delay = token_delay_s() * (10 if "slow" in text.lower() else 1)
        for chunk in ANSWER:
            time.sleep(delay)
            yield chunk


def streaming_pipeline() -> Pipeline:
    return Pipeline(classifier=KeywordClassifier(), retriever=FixedRetriever(), responder=SlowResponder(),
                    human_intents=frozenset({HUMAN_INTENT}))
