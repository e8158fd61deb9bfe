"""The serve-time grounding rules (training/ml/answers): what a generated sentence may say."""

from __future__ import annotations

import pytest

from training.ml.answers import (
    check_sentence,
    cite,
    cited_numbers,
    claims_action,
    ends_sentence,
    facts,
    keep_citations,
    missing_facts,
    split_sentences,
)

CARD = ("New cards are sent by Royal Mail and usually arrive within 3 to 5 working days. If you live elsewhere in "
        "Europe, please allow up to 10 working days. Follow your card under Cards > Card status in the app. "
        "Express delivery costs £15. Call us on 0800 123 4567 or see https://help.kestrel-bank.example/cards.")
FEES = "International transfers cost 0.5% of the amount, with a minimum fee of £2."


@pytest.mark.parametrize("sentence", [
    "Cards usually arrive within 3 to 5 working days [1].",
    "Your card usually arrives within three to five working days [1].",
    "Express delivery costs £15 [1].",
    "You can follow your card under Cards > Card status [1].",
    "Call us on 0800 123 4567 [1].",
    "Details are at https://help.kestrel-bank.example/cards [1].",
    "International transfers cost 0.5% of the amount [2].",
])
def test_a_sentence_whose_facts_are_in_its_cited_passage_is_supported(sentence):
    check = check_sentence(sentence, [CARD, FEES])
    assert check.supported, check.reasons


@pytest.mark.parametrize(("sentence", "missing"), [
    ("Cards usually arrive within 7 working days [1].", "7"),
    ("Cards usually arrive within 3 to 5 working weeks [1].", "3 week"),
    ("Express delivery costs €15 [1].", "€15"),
    ("Express delivery costs £1,000 [1].", "1000"),
    ("Follow your card under Settings > Card status [1].", "settings>card"),
    ("Call us on 0800 999 1111 [1].", "08009991111"),
    ("Details are at https://kestrel.example/help [1].", "https://kestrel.example/help"),
    # The number is in a passage, but not in the one the sentence cites.
    ("Express delivery costs £2 [1].", "£2"),
])
def test_a_fact_missing_from_the_cited_passage_is_never_shown(sentence, missing):
    check = check_sentence(sentence, [CARD, FEES])
    assert not check.supported
    assert any(missing in reason for reason in check.reasons), check.reasons


def test_a_sentence_citing_nothing_is_checked_against_every_passage():
    assert check_sentence("International transfers cost 0.5% of the amount.", [CARD, FEES]).supported
    assert not check_sentence("International transfers cost 3% of the amount.", [CARD, FEES]).supported


def test_words_the_passage_does_not_have_are_not_supported_nor_is_a_far_meaning():
    invented = check_sentence("Kestrel offers a range of mortgage options for first-time buyers [1].", [CARD])
    assert not invented.supported and any("content words" in r for r in invented.reasons)
    far = check_sentence("Cards usually arrive within 3 to 5 working days [1].", [CARD], similarity=0.2)
    assert not far.supported and any("meaning" in r for r in far.reasons)


@pytest.mark.parametrize("sentence", [
    "I've frozen your card for you.", "I have raised a claim with the cash machine operator.",
    "I've refunded the fee to your account.", "I'll cancel the payment now.", "I have just sent you a new card.",
    "We've blocked your card.", "I went ahead and ordered a replacement.",
])
def test_a_claim_of_an_action_the_bot_cannot_take_is_never_shown(sentence):
    assert claims_action(sentence)
    check = check_sentence(sentence, [sentence])  # even word for word in a passage
    assert not check.supported and "claims an action the bot cannot take" in check.reasons


@pytest.mark.parametrize("sentence", [
    "We'll send a replacement free of charge.", "You can freeze your card in the app.",
    "Freeze your card straight away under Cards > Freeze card.", "I can help with that.",
])
def test_describing_what_the_bank_or_the_customer_does_is_not_an_action_claim(sentence):
    assert not claims_action(sentence)


def test_citations_outside_the_passages_are_removed():
    assert keep_citations("Cards arrive in 3 days [1]. Fees apply [3]. Both [1, 4].", 2) == "Cards arrive in 3 days [1]. Fees apply. Both [1]."
    assert cited_numbers("a [2] b [1, 2]") == [2, 1]


def test_sentences_and_their_boundaries():
    text = "Open the app, e.g. on your phone [1]. Tap Cards > Card status. Cards cost £4.50! Next"
    assert split_sentences(text) == ["Open the app, e.g. on your phone [1].", "Tap Cards > Card status.", "Cards cost £4.50!", "Next"]
    assert ends_sentence("Cards arrive in 3 days [1].") and ends_sentence("Really?")
    assert not ends_sentence("Cards arrive in 3 working")
    assert cite("Cards arrive in 3 days.", 2) == "Cards arrive in 3 days [2]."


def test_facts_are_normalised():
    assert {"num:1000", "amount:£1000"} <= facts("a limit of £1,000")
    assert "duration:7 day" in facts("after seven working days")
    assert missing_facts("after seven working days", ["after 7 working days"]) == []
