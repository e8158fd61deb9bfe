"""The ingress builds each message's dialogue context from the stored conversation (issue #19)."""

from __future__ import annotations

import pytest

from conversations import roles
from conversations.models import Message
from conversations.privacy import anonymize_text
from tests.factories import ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pii_on(settings):
    settings.PII_ANONYMIZE = True


def _say(conversation, role: str, text: str, **kwargs: object) -> str:
    stored = anonymize_text(text, conversation=conversation, **kwargs)
    Message.objects.create(conversation=conversation, role=role, text=stored)
    return stored


def test_the_answer_to_the_bots_question_is_read_with_it_and_only_the_answer():
    conversation = ConversationFactory()
    _say(conversation, Message.Role.BOT, "Could you please provide your order number?", source="bot")
    assert _say(conversation, Message.Role.CUSTOMER, "4407892310") == "<ORDER_ID_1>"
    # The next customer message answers nothing: a bare token is not taken for a value without a question...
    assert _say(conversation, Message.Role.CUSTOMER, "kestrel2024") == "kestrel2024"
    # ...but a value the conversation holds is found anywhere, also in the bot's reply.
    assert anonymize_text("Order 44 0789 2310 is on its way.", conversation=conversation, source="bot") == "Order <ORDER_ID_1> is on its way."


def test_a_system_notice_between_question_and_answer_does_not_hide_the_question():
    conversation = ConversationFactory()
    _say(conversation, Message.Role.AGENT, "May I have your name please?")
    Message.objects.create(conversation=conversation, role=Message.Role.SYSTEM, text="Sam from our support team has joined.")
    assert _say(conversation, Message.Role.CUSTOMER, "MARIA GONZALEZ") == "<PERSON_1>"


def test_the_signed_in_agents_own_names_stay_and_the_customers_do_not():
    conversation = ConversationFactory()
    sam = UserFactory(username="sam.okafor", first_name="Sam", last_name="Okafor", groups=[roles.AGENTS])
    _say(conversation, Message.Role.AGENT, "May I have your name please?", author=sam)
    _say(conversation, Message.Role.CUSTOMER, "maria gonzalez")
    text = "Thanks Maria, this is Sam Okafor from the support team."
    assert anonymize_text(text, conversation=conversation, author=sam) == "Thanks <PERSON_1>, this is Sam Okafor from the support team."
    # Someone else writing the same words is not Sam: the name is a person's there.
    assert "Sam Okafor" not in anonymize_text(text, conversation=conversation)
