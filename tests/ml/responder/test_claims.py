"""Which reference replies may teach the responder: action claims are found, and [n] marks only supported sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.ml.responder.claims import claims_action, ground_reply, sentences, support

DEMO_INTENTS = Path(__file__).resolve().parents[3] / "conversations" / "demo_data" / "intents.json"


@pytest.mark.parametrize("sentence", [
    "I've frozen your card for you so nobody can use it.",
    "I've raised a claim with the cash machine operator for the £40 you didn't receive.",
    "I can see your transfer was sent successfully via Faster Payments.",
    "Let me know if the error continues and I'll activate it from our side.",
    "Send me the date and amount and I'll look into it.",
    "I have ordered you a free replacement.",
    "We refunded the fee yesterday.",
    "We\u2019ve sent you a new card.",
    "I corrected your date of birth.",
])
def test_a_sentence_claiming_an_action_is_found(sentence):
    assert claims_action(sentence)


@pytest.mark.parametrize("sentence", [
    "Freeze your card under Cards > Freeze card.",
    "Tap Cards > Card status > Card not arrived and we'll send a free replacement.",
    "We don't charge any fees on refunds.",
    "I'm sorry to hear that.",
    "You can check the dispatch date in the app under Cards > Card status.",
])
def test_what_the_customer_can_do_is_not_a_claim(sentence):
    assert not claims_action(sentence)


def test_no_demo_agent_reply_claims_an_action():
    items = json.loads(DEMO_INTENTS.read_text(encoding="utf-8"))
    claims = [s for item in items if item["name"] != "human_agent" for reply in item["agent_replies"]
              for s in sentences(reply) if claims_action(s)]
    assert claims == []


def test_grounding_keeps_supported_sentences_cites_their_passage_and_drops_the_rest():
    passages = ["Cards arrive within 3 to 5 working days. Track them under Cards > Card status.",
                "International transfers cost 0.5% with a minimum fee of £2."]
    reply = ("I've frozen your card. International transfers cost 0.5%, minimum £2 [1]. "
             "Cards arrive within 3 to 5 working days. Our branches open at 9am.")
    grounded = ground_reply(reply, passages)
    assert grounded.text == "International transfers cost 0.5%, minimum £2 [2]. Cards arrive within 3 to 5 working days [1]."
    assert (grounded.kept, grounded.dropped_claims, grounded.dropped_unsupported) == (2, 1, 1)
    assert ground_reply("Our branches open at 9am.", passages).kept == 0
    assert ground_reply("Anything at all.", []).kept == 0


def test_support_is_the_share_of_content_words_found_in_the_passage():
    assert support("Cards arrive in 5 days", "cards usually arrive within 5 working days") == 1.0
    assert support("Mortgages start at 4%", "cards arrive within 5 days") == 0.0
