"""The answer tiers with the real bundled encoder (all-MiniLM-L6-v2, loaded once): what the customer is
shown, sentence by sentence, and when the tier gives up instead."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from conversations.bot.pipeline import Classification, HandoffReason, NoAnswer, Pipeline, Source, TierChange, Turn
from training.serving.answers import ExtractiveTier, GenerativeTier, SentenceEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CARD = Source(article_id=11, title="When will my card arrive?", url="https://help.example/card", score=0.8, passage=(
    "New cards are sent by Royal Mail and usually arrive within 3 to 5 working days. "
    "You can follow your card under Cards > Card status in the app. Express delivery costs £15."))
FEES = Source(article_id=13, title="Transfer fees", url="https://help.example/fees", score=0.5, passage=(
    "Transfers to UK accounts are free and usually arrive within 2 hours. "
    "International transfers cost 0.5% of the amount, with a minimum fee of £2."))
CARD_ARTICLE = CARD.passage + "\n\nIf your card hasn't arrived after 7 working days, tap Cards > Card not arrived."
QUESTION = "How long will my new card take to arrive?"
INTENT = Classification(intent="card_arrival", confidence=0.9, out_of_scope=False)


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    from training.ml.retrieval.encoder import load_encoder

    return SentenceEmbedder(load_encoder(None))


@pytest.fixture
def extractive(embedder) -> ExtractiveTier:
    return ExtractiveTier(embedder, {11: CARD_ARTICLE})


class Scripted:
    """Stands in for the fine-tuned model: streams a fixed reply in small pieces, as tokens come."""

    version = 5

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def generate(self, **inputs: object) -> Iterator[str]:
        for start in range(0, len(self.reply), 7):
            yield self.reply[start:start + 7]


def _run(tier, sources=(CARD, FEES), text=QUESTION, history=()) -> list:
    return list(tier.generate(text=text, history=list(history), classification=INTENT, sources=list(sources)))


def test_extractive_answers_with_the_passage_sentence_that_answers_and_cites_it(extractive):
    pieces = _run(extractive)
    reply = "".join(pieces)
    assert "3 to 5 working days [1]." in reply
    assert "Transfers" not in reply and "[2]" not in reply
    assert 1 <= len(pieces) <= 3 and all(p.strip().endswith(".") for p in pieces)


def test_extractive_reads_the_whole_article_and_the_recent_turns(extractive):
    [widened] = extractive.sources_for([CARD])
    assert "Card not arrived" in widened.passage and widened.title == CARD.title
    history = [Turn(role="customer", text="When will my new card arrive?")]
    reply = "".join(_run(extractive, sources=[widened], text="What if it has not arrived after a week?", history=history))
    assert "Card not arrived" in reply and reply.endswith("[1].")


def test_extractive_gives_up_when_no_sentence_answers(extractive):
    with pytest.raises(NoAnswer) as gave_up:
        _run(extractive, text="What's the weather like in Lisbon this weekend?")
    assert gave_up.value.reason == HandoffReason.NOTHING_RELEVANT


def test_generative_streams_each_checked_sentence_and_drops_a_cut_off_one(extractive):
    tier = GenerativeTier(Scripted("New cards usually arrive within 3 to 5 working days [1]. "
                                   "International transfers cost 0.5% of the amount [2]. Express delivery is"), extractive)
    pieces = _run(tier)
    assert pieces == ["New cards usually arrive within 3 to 5 working days [1].",
                      " International transfers cost 0.5% of the amount [2]."]


def test_generative_removes_citations_outside_the_passages(extractive):
    pieces = _run(GenerativeTier(Scripted("New cards usually arrive within 3 to 5 working days [1, 4]."), extractive))
    assert pieces == ["New cards usually arrive within 3 to 5 working days [1]."]


def test_generative_cites_the_one_passage_that_supports_an_uncited_sentence(extractive):
    pieces = _run(GenerativeTier(Scripted("New cards usually arrive within 3 to 5 working days. "
                                          "International transfers cost 0.5% of the amount."), extractive))
    assert pieces == ["New cards usually arrive within 3 to 5 working days [1].",
                      " International transfers cost 0.5% of the amount [2]."]


@pytest.mark.parametrize("bad", [
    "New cards usually arrive within 7 working days [1].",  # a number the passage does not have
    "I've ordered a replacement card for you [1].",  # an action the bot cannot take
    "Kestrel offers a range of mortgage options for first-time buyers [1].",  # nothing of it in the passage
])
def test_generative_never_shows_an_unsupported_sentence_and_ends_the_reply_there(extractive, bad):
    reply = "You can follow your card under Cards > Card status in the app [1]. " + bad + " Express delivery costs £15 [1]."
    pieces = _run(GenerativeTier(Scripted(reply), extractive))
    assert pieces == ["You can follow your card under Cards > Card status in the app [1]."]


def test_generative_falls_back_to_the_extractive_answer_when_its_first_sentence_fails(extractive):
    pieces = _run(GenerativeTier(Scripted("Your card will arrive tomorrow by courier [1]."), extractive))
    assert pieces[0] == TierChange("extractive")
    assert "3 to 5 working days [1]" in "".join(pieces[1:])


def test_generative_hands_off_when_neither_it_nor_the_passages_answer(extractive):
    with pytest.raises(NoAnswer) as gave_up:
        _run(GenerativeTier(Scripted("It will be sunny in Lisbon [1]."), extractive), text="What's the weather in Lisbon this weekend?")
    assert gave_up.value.reason == HandoffReason.UNSUPPORTED_ANSWER


def test_through_the_pipeline_a_fallback_is_recorded_as_the_extractive_tier(extractive):
    class Retriever:
        version = 3

        def retrieve(self, **kwargs: object) -> list[Source]:
            return [CARD, FEES]

    class Classifier:
        version = 2

        def classify(self, text: str) -> Classification:
            return INTENT

    generative = GenerativeTier(Scripted("I've refunded your delivery fee [1]."), extractive)
    decision = Pipeline(classifier=Classifier(), retriever=Retriever(), responder=generative).decide(text=QUESTION, history=[])
    assert decision.tier == "generative" and decision.model_versions["responder"] == 5
    reply = "".join(decision.chunks)
    assert "refunded" not in reply and "3 to 5 working days [1]" in reply
    assert decision.tier == "extractive" and [s.title for s in decision.sources] == [CARD.title]

    decision = Pipeline(classifier=Classifier(), retriever=Retriever(), responder=extractive).decide(text=QUESTION, history=[])
    assert "responder" not in decision.model_versions and decision.tier == "extractive"
    assert "Card not arrived" in decision.sources[0].passage, "the extractive tier answers from the whole article"
