"""The organisation's allow-list through the ingress (bot replies keep the bank's published details), and
the bad input of issue #19 over REST: answered, stored anonymized or refused with the documented error,
never a 500, never a raw value stored."""

from __future__ import annotations

import pytest

from conversations.models import KnowledgeArticle, Message
from conversations.privacy import anonymize_text, is_organisation_value, organisation_allow_list
from tests.factories import ConversationFactory
from tests.privacy.test_no_raw_pii_anywhere import _every_cell

FRAUD_LINE = "0800 123 4567"
pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(db, settings):
    settings.PII_ANONYMIZE = True
    settings.PII_ORGANISATION_VALUES = ["press@kestrel-bank.example"]
    KnowledgeArticle.objects.create(slug="fraud", title="Report fraud",
                                    body=f"Call our fraud line on {FRAUD_LINE}, day and night, or write to fraud@kestrelbank.co.uk.")
    KnowledgeArticle.objects.create(slug="draft", title="Draft", published=False, body="Call +44 20 7946 0999.")


def test_published_articles_and_settings_make_the_allow_list(articles):
    allowed = organisation_allow_list()
    assert is_organisation_value(FRAUD_LINE) and is_organisation_value("08001234567")
    assert is_organisation_value("fraud@kestrelbank.co.uk") and is_organisation_value("PRESS@kestrel-bank.example")
    assert not is_organisation_value("+44 20 7946 0999")  # unpublished
    KnowledgeArticle.objects.filter(slug="draft").update(published=True)
    KnowledgeArticle.objects.get(slug="draft").save()  # a change to the published articles is seen
    assert is_organisation_value("+44 20 7946 0999") and organisation_allow_list() != allowed


def test_a_bot_reply_keeps_the_banks_details_and_a_customers_number_does_not(articles):
    conversation = ConversationFactory()
    reply = anonymize_text(f"Please call our fraud line on {FRAUD_LINE} or write to fraud@kestrelbank.co.uk.",
                           conversation=conversation, source="bot")
    assert reply == f"Please call our fraud line on {FRAUD_LINE} or write to fraud@kestrelbank.co.uk."
    assert anonymize_text("call me back on 07700 900123", conversation=conversation) == "call me back on <PHONE_1>"


@pytest.mark.parametrize(("text", "stored"), [
    ("<EMAIL_1>", "[EMAIL_1]"),
    ("<<PERSON_2>>", "[[PERSON_2]]"),
    ("my email is m\u0430ria@ex\u0430mple.com", "my email is <EMAIL_1>"),  # Cyrillic "а" inside
    ("card 4111\u200b1111\u200b1111\u200b1111 please", "card <CARD_1> please"),  # zero-width spaces inside
    ("name Иван Петров, order ORD-558812", "name <PERSON_1>, order <ORDER_ID_1>"),
])
def test_bad_input_is_stored_anonymized(anon_api, settings, text, stored):
    settings.PII_ANONYMIZE = True
    created = anon_api.post("/api/v1/conversations/", {}, format="json").json()
    anon_api.credentials(HTTP_AUTHORIZATION=f"Conversation {created['access_token']}")
    response = anon_api.post(f"/api/v1/conversations/{created['id']}/messages/", {"text": text}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["message"]["text"] == stored
    assert Message.objects.filter(role=Message.Role.CUSTOMER).get().text == stored


def test_a_message_of_2000_digits_is_stored_without_them_and_2001_is_refused(anon_api, settings):
    settings.PII_ANONYMIZE = True
    created = anon_api.post("/api/v1/conversations/", {}, format="json").json()
    anon_api.credentials(HTTP_AUTHORIZATION=f"Conversation {created['access_token']}")
    url = f"/api/v1/conversations/{created['id']}/messages/"
    digits = ("4111111111111111" * 126)[:2000]
    response = anon_api.post(url, {"text": digits}, format="json")
    assert response.status_code == 201 and response.json()["message"]["text"] == "<DIGITS_1>"
    assert "41111111" not in _every_cell()
    too_long = anon_api.post(url, {"text": digits + "1"}, format="json")
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "validation_error"
