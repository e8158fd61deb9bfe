"""The hand-off summary: the customer's own sentences (nothing invented), intent, articles shown, reason, placeholders."""

from __future__ import annotations

from conversations import selectors, services
from conversations.models import Message, PiiVaultEntry
from conversations.selectors import summary_sentences
from tests.factories import ConversationFactory, IntentFactory, MessageFactory, UserFactory


def test_the_wanted_sentences_are_verbatim_and_skip_greetings():
    texts = ["Hi there!", "I was charged twice for the same coffee on Monday. Can you refund the second charge?",
             "Thanks.", "The duplicate charge is still showing today."]
    picked = summary_sentences(texts)
    assert len(picked) == 2
    every_sentence = {"Hi there!", "I was charged twice for the same coffee on Monday.", "Can you refund the second charge?",
                      "Thanks.", "The duplicate charge is still showing today."}
    assert set(picked) <= every_sentence and not set(picked) & {"Hi there!", "Thanks."}
    assert "Can you refund the second charge?" in picked or "I was charged twice for the same coffee on Monday." in picked
    assert summary_sentences(["hi", "thanks", "ok"]) == []


def test_the_summary_gathers_what_the_bot_knew(db, settings):
    conversation = ConversationFactory(status="with_agent", handoff_reason="unsupported_answer")
    intent = IntentFactory(name="card_arrival")
    asked = MessageFactory(conversation=conversation, role="customer", text="My card has not arrived. It has been two weeks.",
                           intent=intent, confidence=0.82)
    MessageFactory(conversation=conversation, role="bot", text="Cards arrive in 3-5 days [1].", reply_to=asked,
                   sources=[{"id": 9, "title": "Card delivery", "url": "https://kestrel.example/cards", "score": 0.7, "n": 1}],
                   handoff_reason="unsupported_answer")
    MessageFactory(conversation=conversation, role="customer", text="My address is <ADDRESS_1>, email <EMAIL_1>.")
    for placeholder in ("<ADDRESS_1>", "<EMAIL_1>"):
        PiiVaultEntry.objects.create(conversation=conversation, entity_type=placeholder.strip("<>").split("_")[0],
                                     placeholder=placeholder, ciphertext=b"x", expires_at="2099-01-01T00:00:00Z")
    agent = UserFactory(username="agent.summary", groups=["Agents"])
    officer = UserFactory(username="officer.summary", groups=["Privacy officers"])
    summary = selectors.handoff_summary(conversation, viewer=agent)
    assert summary.intent == "card_arrival" and summary.confidence == 0.82
    assert summary.articles == [{"id": 9, "title": "Card delivery", "url": "https://kestrel.example/cards"}]
    assert summary.handoff_reason == "unsupported_answer"
    assert [(p.entity_type, p.placeholder) for p in summary.provided] == [("ADDRESS", "<ADDRESS_1>"), ("EMAIL", "<EMAIL_1>")]
    assert summary.may_reveal is False and selectors.handoff_summary(conversation, viewer=officer).may_reveal is True
    customer_text = " ".join(Message.objects.filter(conversation=conversation, role="customer").values_list("text", flat=True))
    assert summary.wants and all(sentence in customer_text for sentence in summary.wants)
    assert "original" not in str(summary.as_json()) and "x" not in [p["placeholder"] for p in summary.as_json()["provided"]]


def test_a_customer_request_hand_off_is_summarised_from_the_stored_reason(bot, taken):
    summary = selectors.handoff_summary(taken)
    assert summary.handoff_reason == "customer_request" and summary.intent == "human_agent"
    services.conversation_close(conversation=taken)
