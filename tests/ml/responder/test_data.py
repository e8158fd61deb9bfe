from __future__ import annotations

import random

import pytest

from tests.responder_fixtures import make_responder_pairs
from training.ml.responder import (
    Pair,
    ResponderDataError,
    ResponderInput,
    SourcePassage,
    data_hash,
    encode_pair,
    kb_reply,
    pair_from_dict,
    pair_to_dict,
    split_pairs,
    validate_pairs,
)
from training.ml.responder.data import IGNORE_INDEX

PASSAGE = SourcePassage(7, "Card delivery", "Cards arrive in 3 to 5 working days. " * 30)


def _pair(question: str = "where is my card?", reply: str = "Cards arrive in 3 to 5 working days [1].") -> Pair:
    return Pair(ResponderInput(question=question, passages=[PASSAGE]), reply, (7,))


def test_labels_mask_every_prompt_token_and_keep_the_reply_and_end_of_turn(responder_tokenizer) -> None:
    pair = _pair()
    enc = encode_pair(responder_tokenizer, pair, max_length=200, max_prompt_tokens=768, max_reply_tokens=64)
    reply_ids = responder_tokenizer(pair.reply, add_special_tokens=False)["input_ids"]
    im_end = responder_tokenizer.convert_tokens_to_ids("<|im_end|>")
    n_prompt = len(enc.input_ids) - len(reply_ids) - 1
    assert len(enc.input_ids) == len(enc.labels) <= 200
    assert enc.labels[:n_prompt] == [IGNORE_INDEX] * n_prompt
    assert enc.labels[n_prompt:] == reply_ids + [im_end] == enc.input_ids[n_prompt:]
    assert responder_tokenizer.decode(enc.input_ids[:n_prompt]).endswith("<|im_start|>assistant\n")


def test_a_reply_longer_than_the_cap_is_cut_and_learns_no_end_of_turn(responder_tokenizer) -> None:
    enc = encode_pair(responder_tokenizer, _pair(reply="word " * 100), max_length=300, max_prompt_tokens=768,
                      max_reply_tokens=20)
    assert enc.n_reply_tokens == 20
    assert enc.labels[-1] != responder_tokenizer.convert_tokens_to_ids("<|im_end|>")


def test_validate_pairs_lists_every_problem() -> None:
    bad = [_pair(reply="  "), _pair(question=""), Pair(ResponderInput("ok", history=[("alien", "x")]), "fine")]
    with pytest.raises(ResponderDataError) as err:
        validate_pairs(bad, min_pairs=5)
    problems = err.value.problems
    assert any("pair 0: empty reply" in p for p in problems)
    assert any("pair 1: empty question" in p for p in problems)
    assert any("pair 2: history turn 0" in p for p in problems)
    assert any("only 3 pair(s); at least 5" in p for p in problems)


def test_no_pairs_and_too_few_pairs_are_refused() -> None:
    with pytest.raises(ResponderDataError, match="no training pairs"):
        validate_pairs([], min_pairs=1)
    with pytest.raises(ResponderDataError, match="at least 16"):
        validate_pairs([_pair()] * 3, min_pairs=16)


def test_split_is_deterministic_order_free_and_keeps_questions_on_one_side() -> None:
    pairs = make_responder_pairs() + [_pair("I lost my card", "Another reply [1].")]
    train, held = split_pairs(pairs, held_out_fraction=0.2, seed=1)
    shuffled = pairs[:]
    random.Random(3).shuffle(shuffled)
    train2, held2 = split_pairs(shuffled, held_out_fraction=0.2, seed=1)
    assert sorted(map(pair_to_dict_key, held)) == sorted(map(pair_to_dict_key, held2))
    assert len(train) + len(held) == len(pairs) and len(held) >= 5
    held_questions = {p.input.question.casefold() for p in held}
    assert not held_questions & {p.input.question.casefold() for p in train}
    assert split_pairs(pairs, held_out_fraction=0.0, seed=1) == (pairs, [])


def pair_to_dict_key(pair: Pair) -> str:
    return repr(pair_to_dict(pair))


def test_data_hash_ignores_order_but_not_content() -> None:
    pairs = make_responder_pairs()
    assert data_hash(pairs) == data_hash(list(reversed(pairs)))
    assert data_hash(pairs) != data_hash(pairs[:-1] + [_pair()])


def test_pair_dict_round_trip() -> None:
    pair = Pair(ResponderInput("q?", [("customer", "hi"), ("bot", "hello")], "card_arrival", [PASSAGE]), "r [1]", (7,), "s")
    assert pair_from_dict(pair_to_dict(pair)) == pair


def test_kb_reply_takes_the_first_sentences_and_cites_the_article() -> None:
    body = "When will my card arrive?\nCards arrive in 3 to 5 days. Track them in the app. " + "More text. " * 40
    reply = kb_reply("When will my card arrive?", body)
    assert reply.startswith("Cards arrive in 3 to 5 days. Track them in the app.")
    assert reply.endswith(" [1]") and len(reply) <= 250
    with pytest.raises(ValueError, match="no text"):
        kb_reply("Empty", "  \n\n ")
