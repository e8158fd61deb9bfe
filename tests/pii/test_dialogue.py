"""The engine in a dialogue (issue #19): what the previous turn asked for, the conversation's memory,
and what is never the customer's data. Pure engine, no database."""

from __future__ import annotations

import pytest

from conversations.pii import DialogueContext, expected_kinds


@pytest.mark.parametrize(("question", "kinds"), [
    ("may I have your name please?", {"name"}),
    ("Could you confirm your surname?", {"name"}),
    ("may I have your username?", {"username"}),
    ("What's the email address on the account?", {"email"}),
    ("Could you please provide your order number?", {"order"}),
    ("Which order is this about? The number is on your receipt.", {"order"}),
    ("Please give me the case reference.", {"reference"}),
    ("What is your account number?", {"account"}),
    ("Can you read out the card number for me?", {"card"}),
    ("Which number can we call you back on?", {"phone"}),
    ("What is your postcode?", {"postcode"}),
    ("Please confirm your postal address.", {"address"}),
    ("And your date of birth?", {"dob"}),
    ("Your full name and date of birth, please.", {"name", "dob"}),
])
def test_a_request_is_read_from_what_each_kind_is_called(question, kinds):
    assert expected_kinds(question) == kinds


@pytest.mark.parametrize("turn", [
    "I've noted your order number.",  # a statement, not a request
    "Thanks, that's all sorted.",
    "What are the last four digits of your card?",  # may be shown (docs/privacy.md)
    "",
])
def test_statements_and_the_last_four_digits_ask_for_nothing(turn):
    assert expected_kinds(turn) <= {"card"} - {"card"}


def _answer(anonymizer, question: str, text: str) -> str:
    return anonymizer.anonymize(text, context=DialogueContext(expects=expected_kinds(question))).text


@pytest.mark.parametrize(("question", "answer", "expected"), [
    ("May I have your name please?", "maria gonzalez", "<PERSON_1>"),
    ("May I have your name please?", "MARIA GONZALEZ", "<PERSON_1>"),
    ("May I have your name please?", "sure, it's Johannes Post thanks", "sure, it's <PERSON_1> thanks"),
    ("May I have your name please?", "hans d.", "<PERSON_1>."),
    ("may I have your username?", "ok here it is\nmgonzalez_77", "ok here it is\n<USERNAME_1>"),
    ("Could you please provide your order number?", "4407892310", "<ORDER_ID_1>"),
    ("What is your account number?", "594482593896", "<ACCOUNT_NUMBER_1>"),  # Luhn-valid by chance: asked as an account
    ("What is your postcode?", "sw1a 1aa", "<ADDRESS_1>"),
    ("Please confirm your postal address.", "12 baker street, london", "<ADDRESS_1>"),
    ("What is your date of birth?", "03/04/1981", "<DATE_OF_BIRTH_1>"),
    ("Which number can we call you back on?", "07700 900123", "<PHONE_1>"),
])
def test_a_bare_answer_of_the_expected_shape_counts_in_any_casing(anonymizer, question, answer, expected):
    assert _answer(anonymizer, question, answer) == expected


@pytest.mark.parametrize(("question", "answer"), [
    ("May I have your name please?", "why do you need it?"),
    ("May I have your name please?", "hold on"),
    ("May I have your name please?", "I'd rather not say"),
    ("may I have your username?", "forgot it"),
    ("Could you please provide your order number?", "I don't have it"),
    ("Please confirm your postal address.", "Good Morning, I Need Help With My Card"),
])
def test_an_answer_that_is_not_a_value_is_left_alone(anonymizer, question, answer):
    assert _answer(anonymizer, question, answer) == answer


def test_a_known_value_keeps_its_placeholder_in_any_role_casing_and_its_parts(anonymizer):
    first = anonymizer.anonymize("maria gonzalez", context=DialogueContext(expects=frozenset({"name"})))
    order = anonymizer.anonymize("4407892310", placeholders=first.placeholders, context=DialogueContext(expects=frozenset({"order"})))
    mapping = order.placeholders
    for text, expected in [
        ("thanks so much! What is your membership level, Maria?", "thanks so much! What is your membership level, <PERSON_1>?"),
        ("GONZALEZ is the surname", "<PERSON_1> is the surname"),
        ("I've found order 44-0789-2310", "I've found order <ORDER_ID_1>"),
        ("order 4407 892 310 for MARIA GONZALEZ", "order <ORDER_ID_1> for <PERSON_1>"),
    ]:
        assert anonymizer.anonymize(text, placeholders=mapping).text == expected


def test_a_cards_last_four_digits_are_not_a_part_of_it(anonymizer):
    card = anonymizer.anonymize("card 4111 1111 1111 1111")
    assert anonymizer.anonymize("the card ending 1111", placeholders=card.placeholders).text == "the card ending 1111"


@pytest.mark.parametrize("text", ["HEY HO!", "YO! Anyone There?", "Howdy!", "Oops, wrong button", "Great Stuff, Cheers!",
                                  "Do you have a branch in Leeds?", "Is the Teruel office open on Saturdays?"])
def test_greetings_interjections_and_places_asked_about_are_not_personal(anonymizer, text):
    assert anonymizer.anonymize(text).text == text


def test_the_agents_own_name_stays_in_their_own_messages(anonymizer):
    own = DialogueContext(keep_names=frozenset({"sam", "okafor"}))
    text = "Hi, this is Sam from the support team. Sam Okafor here."
    assert anonymizer.anonymize(text, context=own).text == text
    assert anonymizer.anonymize("Hi, this is Sam from the support team.").text != "Hi, this is Sam from the support team."


@pytest.mark.parametrize(("text", "expected"), [
    ("My name is Anna Berlin", "My name is <PERSON_1>"),
    ("Paul London sent the form", "<PERSON_1> sent the form"),
    ("I spoke to Kevin Paris yesterday", "I spoke to <PERSON_1> yesterday"),
])
def test_a_surname_that_is_also_a_place_stays_in_the_person(anonymizer, text, expected):
    result = anonymizer.anonymize(text)
    assert result.text == expected and [e.entity_type for e in result.entities] == ["PERSON"]


def test_the_organisations_public_details_are_kept(anonymizer):
    allow = DialogueContext(allow=frozenset({"08001234567", "help@kestrel-bank.example", "1 harbour street, london e1 1aa"}))
    text = "Call our fraud line on 0800 123 4567 or write to help@kestrel-bank.example."
    assert anonymizer.anonymize(text, context=allow).text == text
    assert anonymizer.anonymize("call me on 07700 900123", context=allow).text == "call me on <PHONE_1>"


def test_log_lines_keep_server_addresses_and_module_names_but_not_customer_values(anonymizer):
    log = DialogueContext(log=True, keep_names=frozenset({"presidio", "daphne"}))
    for line in ["Listening on TCP address 0.0.0.0:8000", "Listening on TCP address 127.0.0.1:8000",
                 "Configuring endpoint tcp:port=8000:interface=10.0.0.4", "Loaded Presidio in 7.6 s",
                 "conversations.services.messages: slow reply"]:
        assert anonymizer.anonymize(line, context=log).text == line
    scrubbed = anonymizer.anonymize("customer maria.gonzalez@example.com from 203.0.113.77 said hi", context=log).text
    assert scrubbed == "customer <EMAIL_1> from <IP_1> said hi"
