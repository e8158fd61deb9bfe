"""The pipeline seam: Pipeline.decide's branches, and what services store for each of them."""

from __future__ import annotations

import pytest

from conversations import services
from conversations.bot.pipeline import (
    DEFAULT_HANDOFF_MESSAGE,
    HANDOFF_MESSAGES,
    Classification,
    HandoffReason,
    NoAnswer,
    Pipeline,
    Source,
    TierChange,
    Turn,
    handoff_text,
    pipeline_load,
)
from conversations.models import Conversation, Message
from tests.conversations import fakes
from tests.conversations.conftest import ANSWER_CHUNKS
from tests.factories import ConversationFactory

SOURCE = Source(article_id=5, title="Card delivery", url="https://help.example/card", score=0.87654321, passage="3-5 days")


def _parts(**overrides):  # noqa: ANN202
    parts = {
        "classifier": fakes.KeywordClassifier({"card": ("card_arrival", 0.9), "human": ("human_agent", 0.8)}),
        "retriever": fakes.IntentRetriever({"card_arrival": [SOURCE]}),
        "responder": fakes.ChunkResponder(["a", "b"]),
    }
    parts.update(overrides)
    return parts


# --- Pipeline.decide, without a database --------------------------------------------------------------


class TestDecide:
    def test_no_classifier_hands_off_for_lack_of_a_model(self):
        decision = Pipeline().decide(text="where is my card", history=[])
        assert decision.handoff_reason is HandoffReason.NO_MODEL
        assert decision.classification is None
        assert decision.model_versions == {}
        assert list(decision.chunks) == []

    def test_in_scope_question_with_sources_is_answered_lazily(self):
        parts = _parts()
        history = [Turn("customer", "hello"), Turn("bot", "hi")]
        decision = Pipeline(**parts).decide(text="Where is my card?", history=history)
        assert decision.handoff_reason is None
        assert decision.classification.intent == "card_arrival"
        assert decision.sources == [SOURCE]
        assert decision.model_versions == {"intent": 7, "retrieval_index": 4, "responder": 2}
        assert parts["retriever"].calls == [{"text": "Where is my card?", "history": history, "intent": "card_arrival"}]
        assert list(decision.chunks) == ["a", "b"]
        call = parts["responder"].calls[0]
        assert call["sources"] == [SOURCE] and call["history"] == history and call["classification"].intent == "card_arrival"

    def test_out_of_scope_hands_off_after_asking_retrieval(self):
        # Answerability weighs the intent model's verdict and what retrieval found together.
        parts = _parts()
        decision = Pipeline(**parts).decide(text="what's the weather", history=[])
        assert decision.handoff_reason is HandoffReason.OUT_OF_SCOPE
        assert decision.model_versions == {"intent": 7, "retrieval_index": 4}
        assert len(parts["retriever"].calls) == 1 and parts["responder"].calls == []
        assert decision.sources == []

    def test_a_known_intent_below_the_threshold_is_low_confidence(self):
        class Unsure:
            version = 7

            def classify(self, text: str) -> Classification:
                return Classification(intent="card_arrival", confidence=0.31, out_of_scope=True, model_version=7)

        # A weak source: a confident one would let retrieval overrule the doubt (conversations/bot/answerability.py).
        weak = Source(article_id=5, title="Card delivery", url="https://help.example/card", score=0.3, passage="3-5 days")
        parts = _parts(classifier=Unsure(), retriever=fakes.IntentRetriever({"card_arrival": [weak]}))
        decision = Pipeline(**parts).decide(text="card thing maybe", history=[])
        assert decision.handoff_reason is HandoffReason.LOW_CONFIDENCE
        assert decision.classification.intent == "card_arrival"
        assert parts["responder"].calls == []

    def test_intent_that_requests_a_human_hands_off(self):
        parts = _parts()
        decision = Pipeline(**parts, human_intents=frozenset({"human_agent"})).decide(text="a human please", history=[])
        assert decision.handoff_reason is HandoffReason.CUSTOMER_REQUEST
        assert decision.handoff_text == HANDOFF_MESSAGES[HandoffReason.CUSTOMER_REQUEST]
        assert parts["retriever"].calls == []

    def test_same_intent_is_answered_when_not_marked_as_human(self):
        parts = _parts(retriever=fakes.IntentRetriever({"human_agent": [SOURCE]}))
        decision = Pipeline(**parts).decide(text="a human please", history=[])
        assert decision.handoff_reason is None

    def test_no_sources_hands_off_as_nothing_relevant(self):
        parts = _parts(retriever=fakes.IntentRetriever({}))
        decision = Pipeline(**parts).decide(text="my card", history=[])
        assert decision.handoff_reason is HandoffReason.NOTHING_RELEVANT
        assert decision.model_versions == {"intent": 7, "retrieval_index": 4}
        assert parts["responder"].calls == []

    @pytest.mark.parametrize("missing", ["retriever", "responder"])
    def test_missing_retriever_or_responder_hands_off(self, missing):
        decision = Pipeline(**_parts(**{missing: None})).decide(text="my card", history=[])
        assert decision.handoff_reason is HandoffReason.NO_MODEL

    def test_every_reason_has_a_polite_text(self):
        for reason in HandoffReason:
            text = handoff_text(reason)
            assert "support team" in text
        assert handoff_text(HandoffReason.OUT_OF_SCOPE) == DEFAULT_HANDOFF_MESSAGE
        assert handoff_text(HandoffReason.ERROR) != DEFAULT_HANDOFF_MESSAGE

    def test_source_json_is_what_messages_store(self):
        assert SOURCE.as_json() == {"id": 5, "title": "Card delivery", "url": "https://help.example/card", "score": 0.8765}

    def test_reply_keeps_only_the_sources_it_cites_with_their_numbers(self):
        other = Source(article_id=9, title="Fees", url="", score=0.5)
        retriever = fakes.IntentRetriever({"card_arrival": [SOURCE, other]})
        decision = Pipeline(**_parts(retriever=retriever, responder=fakes.ChunkResponder(["Fees are listed [2", "]; see [2] and [7]."]))).decide(text="card", history=[])
        assert decision.sources == [SOURCE, other], "before the reply is complete every passage is a candidate"
        assert "".join(decision.chunks) == "Fees are listed [2]; see [2] and [7]."
        assert [s.as_json() for s in decision.sources] == [other.as_json() | {"n": 2}]

    def test_reply_that_cites_nothing_shows_no_sources(self):
        # A passage the reply did not cite is not its source (it used to show every passage).
        decision = Pipeline(**_parts()).decide(text="card", history=[])
        assert "".join(decision.chunks) == "ab" and decision.sources == []

    def test_a_responder_that_gives_up_before_answering_hands_off_with_its_reason(self):
        class GivesUp(fakes.ChunkResponder):
            def generate(self, **kwargs):
                raise NoAnswer(HandoffReason.UNSUPPORTED_ANSWER)
                yield ""

        decision = Pipeline(**_parts() | {"responder": GivesUp([])}).decide(text="card", history=[])
        assert decision.handoff_reason is None, "known only once the reply has been asked for"
        assert "".join(decision.chunks) == ""
        assert decision.handoff_reason == HandoffReason.UNSUPPORTED_ANSWER and decision.sources == []

    def test_a_tier_change_is_recorded_and_never_shown(self):
        class FallsBack(fakes.ChunkResponder):
            tier = "generative"

            def generate(self, **kwargs):
                yield TierChange("extractive")
                yield "Cards arrive in 3 days [1]."

        decision = Pipeline(**_parts() | {"responder": FallsBack([])}).decide(text="card", history=[])
        assert decision.tier == "generative"
        assert "".join(decision.chunks) == "Cards arrive in 3 days [1]." and decision.tier == "extractive"


# --- the provider setting -----------------------------------------------------------------------------


def test_default_provider_has_no_model_yet(db, settings):
    assert settings.CHAT_PIPELINE_PROVIDER == "training.serving.pipeline.pipeline_components"
    loaded = pipeline_load()
    assert loaded.classifier is None and loaded.retriever is None and loaded.responder is None


def test_provider_setting_plugs_in_another_pipeline(bot):
    loaded = pipeline_load()
    assert loaded.classifier is bot.classifier
    # Human intents come from the database at load time.
    assert loaded.human_intents == frozenset({"human_agent"})


# --- through services.customer_message_receive --------------------------------------------------------


@pytest.fixture
def conversation(db) -> Conversation:
    return ConversationFactory()


def _receive(conversation: Conversation, text: str, **kwargs) -> tuple[services.Exchange, list[str]]:
    tokens: list[str] = []
    exchange = services.customer_message_receive(conversation=conversation, text=text, on_token=tokens.append, **kwargs)
    return exchange, tokens


class TestFreshInstall:
    def test_first_message_goes_to_an_agent_with_a_polite_notice(self, conversation):
        exchange, tokens = _receive(conversation, "Where is my new card?")
        conversation.refresh_from_db()
        assert conversation.status == Conversation.Status.WAITING_FOR_AGENT
        assert conversation.escalated_at is not None
        assert exchange.created is True
        assert exchange.message.role == Message.Role.CUSTOMER and exchange.message.text == "Where is my new card?"
        assert exchange.reply.role == Message.Role.SYSTEM
        assert exchange.reply.text == DEFAULT_HANDOFF_MESSAGE
        assert exchange.reply.reply_to_id == exchange.message.pk
        assert tokens == [DEFAULT_HANDOFF_MESSAGE]
        # No invented answer.
        assert not Message.objects.filter(role=Message.Role.BOT).exists()

    def test_bot_stays_silent_once_handed_off(self, conversation):
        _receive(conversation, "first")
        exchange, tokens = _receive(conversation, "anyone there?")
        assert exchange.reply is None and tokens == []
        assert list(conversation.messages.values_list("role", flat=True)) == ["customer", "system", "customer"]


class TestAnswered:
    def test_answer_is_streamed_and_stored_with_its_provenance(self, bot, conversation):
        exchange, tokens = _receive(conversation, "When will my card arrive?")
        assert tokens == ANSWER_CHUNKS and len(tokens) >= 2
        reply = exchange.reply
        reply.refresh_from_db()
        assert reply.role == Message.Role.BOT
        assert reply.text == "".join(ANSWER_CHUNKS)
        assert reply.reply_to_id == exchange.message.pk
        assert reply.intent == bot.card_arrival and reply.confidence == pytest.approx(0.93)
        assert reply.sources == [{"id": bot.article.pk, "title": "Card delivery", "url": bot.article.url, "score": 0.9123, "n": 1}]
        assert reply.model_versions == {"intent": 7, "retrieval_index": 4, "responder": 2}
        assert isinstance(reply.latency_ms, int) and 0 <= reply.latency_ms < 10_000
        customer = Message.objects.get(pk=exchange.message.pk)
        assert customer.intent == bot.card_arrival and customer.confidence == pytest.approx(0.93)
        conversation.refresh_from_db()
        assert conversation.status == Conversation.Status.WITH_BOT and conversation.escalated_at is None

    def test_history_is_the_last_turns_before_the_message_oldest_first(self, bot, conversation):
        for n in range(5):
            _receive(conversation, f"card question {n}")
        answer = "".join(ANSWER_CHUNKS)
        assert bot.retriever.calls[0]["history"] == []
        assert bot.retriever.calls[-1]["text"] == "card question 4"
        assert bot.retriever.calls[-1]["history"] == [
            Turn("customer", "card question 1"), Turn("bot", answer),
            Turn("customer", "card question 2"), Turn("bot", answer),
            Turn("customer", "card question 3"), Turn("bot", answer),
        ]
        assert bot.responder.calls[-1]["history"] == bot.retriever.calls[-1]["history"]

    def test_unknown_intent_name_is_stored_as_no_intent_but_keeps_confidence(self, bot, pipeline, conversation):
        classifier = fakes.KeywordClassifier({"card": ("not_in_database", 0.66)})
        pipeline(classifier=classifier, retriever=fakes.IntentRetriever({"not_in_database": [SOURCE]}),
                 responder=fakes.ChunkResponder(["x", "y"]))
        exchange, _ = _receive(conversation, "card")
        assert exchange.reply.role == Message.Role.BOT
        assert exchange.reply.intent is None and exchange.reply.confidence == pytest.approx(0.66)


class TestHandoffs:
    def _assert_handed_off(self, conversation: Conversation, exchange: services.Exchange, text: str) -> None:
        conversation.refresh_from_db()
        assert conversation.status == Conversation.Status.WAITING_FOR_AGENT
        assert conversation.escalated_at is not None
        assert exchange.reply.role == Message.Role.SYSTEM and exchange.reply.text == text
        assert Message.objects.filter(pk=exchange.message.pk, role=Message.Role.CUSTOMER).exists()
        assert not conversation.messages.filter(role=Message.Role.BOT).exists()

    def test_out_of_scope(self, bot, conversation):
        exchange, tokens = _receive(conversation, "Who won the football?")
        self._assert_handed_off(conversation, exchange, DEFAULT_HANDOFF_MESSAGE)
        assert tokens == [DEFAULT_HANDOFF_MESSAGE]
        assert bot.responder.calls == []
        # The classification and the reason are kept for review even though nothing was answered.
        assert exchange.reply.confidence == pytest.approx(0.12)
        assert exchange.reply.model_versions == {"intent": 7, "retrieval_index": 4}
        conversation.refresh_from_db()
        assert exchange.reply.handoff_reason == conversation.handoff_reason == "out_of_scope"

    def test_customer_asks_for_a_human(self, bot, conversation):
        exchange, _ = _receive(conversation, "Let me talk to a human")
        self._assert_handed_off(conversation, exchange, HANDOFF_MESSAGES[HandoffReason.CUSTOMER_REQUEST])
        assert Message.objects.get(pk=exchange.message.pk).intent == bot.human_agent

    def test_nothing_relevant_found(self, bot, conversation):
        exchange, _ = _receive(conversation, "Pension question")
        self._assert_handed_off(conversation, exchange, DEFAULT_HANDOFF_MESSAGE)
        assert bot.responder.calls == []
        assert exchange.reply.model_versions == {"intent": 7, "retrieval_index": 4}

    @pytest.mark.parametrize("responder", [fakes.BrokenResponder(eager=True), fakes.BrokenResponder(["partial "], eager=False)],
                             ids=["raises-when-called", "raises-mid-stream"])
    def test_responder_failure(self, bot, pipeline, conversation, responder, caplog):
        pipeline(classifier=bot.classifier, retriever=bot.retriever, responder=responder)
        exchange, tokens = _receive(conversation, "Where is my card?")
        self._assert_handed_off(conversation, exchange, HANDOFF_MESSAGES[HandoffReason.ERROR])
        assert tokens[-1] == HANDOFF_MESSAGES[HandoffReason.ERROR]
        assert Message.objects.get(pk=exchange.message.pk).text == "Where is my card?"
        assert "Pipeline failed" in caplog.text

    def test_classifier_failure(self, bot, pipeline, conversation):
        class Broken:
            version = 1

            def classify(self, text: str) -> Classification:
                raise ValueError("bad weights")

        pipeline(classifier=Broken(), retriever=bot.retriever, responder=bot.responder)
        exchange, _ = _receive(conversation, "card")
        self._assert_handed_off(conversation, exchange, HANDOFF_MESSAGES[HandoffReason.ERROR])

    def test_empty_answer_is_not_sent(self, bot, pipeline, conversation):
        pipeline(classifier=bot.classifier, retriever=bot.retriever, responder=fakes.ChunkResponder(["", "  "]))
        exchange, _ = _receive(conversation, "card")
        self._assert_handed_off(conversation, exchange, HANDOFF_MESSAGES[HandoffReason.ERROR])

    def test_a_reply_that_gives_up_is_sent_and_hands_off(self, bot, pipeline, conversation):
        class GivesUp(fakes.ChunkResponder):
            def is_handoff(self, reply: str) -> bool:
                return "colleague" in reply

        pipeline(classifier=bot.classifier, retriever=bot.retriever, responder=GivesUp(["I'll pass you ", "to a colleague."]))
        exchange, tokens = _receive(conversation, "Where is my card?")
        conversation.refresh_from_db()
        assert exchange.reply.role == Message.Role.BOT and exchange.reply.text == "I'll pass you to a colleague."
        assert conversation.status == Conversation.Status.WAITING_FOR_AGENT and conversation.escalated_at is not None

    def test_a_tier_that_finds_no_answer_hands_off_politely_and_shows_no_bot_reply(self, bot, pipeline, conversation):
        class NothingFits(fakes.ChunkResponder):
            tier = "extractive"

            def generate(self, **kwargs):
                raise NoAnswer(HandoffReason.NOTHING_RELEVANT)
                yield ""

        pipeline(classifier=bot.classifier, retriever=bot.retriever, responder=NothingFits([]))
        exchange, tokens = _receive(conversation, "Where is my card?")
        conversation.refresh_from_db()
        assert exchange.reply.role == Message.Role.SYSTEM and exchange.reply.handoff_reason == HandoffReason.NOTHING_RELEVANT
        assert tokens == [HANDOFF_MESSAGES.get(HandoffReason.NOTHING_RELEVANT, DEFAULT_HANDOFF_MESSAGE)]
        assert conversation.handoff_reason == HandoffReason.NOTHING_RELEVANT
        assert conversation.status == Conversation.Status.WAITING_FOR_AGENT
        assert not Message.objects.filter(conversation=conversation, role=Message.Role.BOT).exists()

    def test_after_a_handoff_the_bot_is_not_asked_again(self, bot, conversation):
        _receive(conversation, "weather?")
        seen = list(bot.classifier.seen)
        exchange, tokens = _receive(conversation, "Where is my card?")
        assert exchange.reply is None and tokens == []
        assert bot.classifier.seen == seen
