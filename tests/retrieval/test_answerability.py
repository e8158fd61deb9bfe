"""The answer-or-hand-off rule: the intent model's verdict and the retrieval relevance together."""

from __future__ import annotations

import pytest
from django.test import override_settings

from conversations.bot.answerability import handoff_reason_for
from conversations.bot.types import Classification, Source
from conversations.models import HandoffReason

IN_SCOPE = Classification(intent="card_arrival", confidence=0.9, out_of_scope=False)
DOUBTED = Classification(intent="card_arrival", confidence=0.3, out_of_scope=True)
UNKNOWN = Classification(intent=None, confidence=0.2, out_of_scope=True)


def sources(*scores: float) -> list[Source]:
    return [Source(article_id=n, title=f"a{n}", url="", score=s, passage="p") for n, s in enumerate(scores, start=1)]


@override_settings(RETRIEVAL_CONFIDENT_SCORE=0.6)
@pytest.mark.parametrize(
    ("classification", "found", "reason"),
    [
        (IN_SCOPE, sources(0.4), None),  # above the index's floor (the retriever filtered), intent accepted
        (IN_SCOPE, [], HandoffReason.NOTHING_RELEVANT),
        (DOUBTED, sources(0.59, 0.5), HandoffReason.LOW_CONFIDENCE),  # intent doubted, retrieval not sure either
        (DOUBTED, sources(0.5, 0.61), None),  # the knowledge base clearly covers it: the best source decides
        (UNKNOWN, sources(0.45), HandoffReason.OUT_OF_SCOPE),
        (UNKNOWN, sources(0.6), None),  # the confident score itself is enough
        (UNKNOWN, [], HandoffReason.OUT_OF_SCOPE),  # both weak: the intent verdict names the reason
    ],
)
def test_both_signals_decide(classification: Classification, found: list[Source], reason: HandoffReason | None) -> None:
    assert handoff_reason_for(classification=classification, sources=found) == reason


def test_an_explicit_confident_score_overrides_the_setting() -> None:
    assert handoff_reason_for(classification=UNKNOWN, sources=sources(0.7), confident_score=0.8) == HandoffReason.OUT_OF_SCOPE
    # today's rule, as the benchmark's "before": an out-of-scope verdict always hands off
    assert handoff_reason_for(classification=UNKNOWN, sources=sources(0.99), confident_score=float("inf")) is not None
