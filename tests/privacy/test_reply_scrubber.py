"""A generated reply that contains personal data never reaches the socket or the table raw."""

from __future__ import annotations

import pytest

from conversations import services
from conversations.bot.pipeline import Pipeline
from conversations.bot.scrubber import ReplyScrubber
from conversations.models import Message
from tests.conversations import fakes
from tests.factories import ConversationFactory

EMAIL, PHONE = "maria.gonzalez@example.com", "+44 7700 900123"
# The phone number and the e-mail address arrive split over several chunks, as tokens do.
LEAKY_CHUNKS = ["Sure", ", I", " will", " call", " you", " on", " +44", " 7700", " 900", "123",
                " and", " write", " to", " maria", ".gon", "zalez", "@exam", "ple.com", " today", "."]


@pytest.fixture
def leaky_bot(settings):
    settings.PII_ANONYMIZE = True
    responder = fakes.ChunkResponder(chunks=LEAKY_CHUNKS)
    fakes.current = Pipeline(
        classifier=fakes.KeywordClassifier(rules={"card": ("card_arrival", 0.95)}),
        retriever=fakes.IntentRetriever(by_intent={"card_arrival": [fakes.Source(article_id=1, title="Cards", url="", score=0.9)]}),
        responder=responder,
    )
    settings.CHAT_PIPELINE_PROVIDER = fakes.PROVIDER
    yield
    fakes.current = None


@pytest.mark.django_db(transaction=True)
def test_streamed_reply_is_anonymized_before_any_token_is_sent(leaky_bot):
    conversation = ConversationFactory()
    # The customer mentioned the e-mail first, so the bot's copy must reuse the same placeholder.
    services.customer_message_receive(conversation=conversation, text=f"my email is {EMAIL}, any card news?")
    sent: list[str] = []
    exchange = services.customer_message_receive(conversation=conversation, text="where is my card?", on_token=sent.append)

    streamed = "".join(sent)
    assert len(sent) >= 3, "the reply still streams in several pieces"
    for raw in (EMAIL, PHONE, "7700", "gonzalez"):
        assert raw not in streamed
        assert raw not in exchange.reply.text
    assert exchange.reply.text == streamed
    customer_text = Message.objects.filter(conversation=conversation, role="customer").first().text
    assert "<EMAIL_1>" in customer_text and "<EMAIL_1>" in streamed
    assert "<PHONE" in streamed and streamed.startswith("Sure, I will call you on") and streamed.endswith("today.")


def test_scrubber_holds_back_a_value_that_is_still_growing(settings):
    settings.PII_ANONYMIZE = True
    spans: dict[str, list[tuple[int, int]]] = {}

    def detect(text: str) -> list[tuple[int, int]]:
        i = text.find("12 34")
        spans[text] = [(i, len(text.rstrip(" ."))) ] if i >= 0 else []
        return spans[text]

    scrubber = ReplyScrubber(hold_back_words=2, detect=detect, anonymize=lambda t: t.replace("12 34 56 78", "<ID_1>"))
    out = [scrubber.feed(c) for c in ["your", " id", " is", " 12", " 34", " 56", " 78", " ok", " thanks", " bye"]]
    out.append(scrubber.finish())
    assert "".join(out) == "your id is <ID_1> ok thanks bye"
    assert not any("12" in piece for piece in out)


def test_scrubber_passes_text_straight_through_when_anonymization_is_off(settings):
    settings.PII_ANONYMIZE = False
    scrubber = ReplyScrubber(detect=lambda t: [(0, len(t))], anonymize=lambda t: "<PERSON_1>")
    assert [scrubber.feed(c) for c in ["a", " b", " c"]] == ["a", " b", " c"]
    assert scrubber.finish() == "" and scrubber.text == "a b c"
