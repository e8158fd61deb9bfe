"""Citation parsing, sampling rules and incremental detokenization (no model weights needed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from training.ml.responder import LoadedResponder, ResponderInput, SourcePassage, citations
from training.ml.responder.generate import cited_indices
from training.ml.responder.sampling import banned_ngram_tokens, next_token

PASSAGES = [SourcePassage(11, "A", "a"), SourcePassage(12, "B", "b"), SourcePassage(11, "A again", "a2")]


def test_citations_map_markers_to_article_ids_in_order_of_first_appearance() -> None:
    assert citations("See [2]. Also [1] and [2] again.", PASSAGES) == [12, 11]
    assert citations("Both [1, 2].", PASSAGES) == [11, 12]
    assert citations("Two passages of one article [1][3].", PASSAGES) == [11]
    assert cited_indices("Two passages of one article [1][3].", 3) == [0, 2]


def test_out_of_range_and_malformed_markers_are_ignored() -> None:
    assert citations("Nothing [0], [4], [99] or [x] or [ 2 ].", PASSAGES) == [12]
    assert citations("No markers at all.", PASSAGES) == []
    assert citations("[1]", []) == []


def test_no_repeat_ngram_bans_the_token_completing_a_seen_ngram() -> None:
    assert banned_ngram_tokens([5, 6, 7, 5, 6], 3) == {7}
    assert banned_ngram_tokens([5, 6, 7, 5, 6], 0) == set()
    assert banned_ngram_tokens([1, 2], 3) == set()


def test_next_token_greedy_with_penalties() -> None:
    import torch

    logits = torch.tensor([0.0, 5.0, 4.9, 1.0])
    common = dict(temperature=0.0, no_repeat_ngram_size=0)
    assert next_token(logits, [], repetition_penalty=1.0, **common) == 1
    assert next_token(logits, [1], repetition_penalty=1.2, **common) == 2  # 5 / 1.2 < 4.9
    assert next_token(logits, [1, 1], temperature=0.0, repetition_penalty=1.0, no_repeat_ngram_size=2) == 2
    assert next_token(logits, [1, 3, 1], temperature=0.0, repetition_penalty=1.0, no_repeat_ngram_size=2) == 1
    gen = torch.Generator().manual_seed(0)
    sampled = {next_token(logits, [], temperature=1.0, repetition_penalty=1.0, no_repeat_ngram_size=0, generator=gen)
               for _ in range(50)}
    assert sampled <= {0, 1, 2, 3} and len(sampled) > 1


class ScriptedStreamer:
    """A TokenStreamer that replays fixed token ids (stands in for the model to test detokenization)."""

    def __init__(self, ids: list[int]) -> None:
        self.ids, self.calls = ids, []

    def stream(self, prompt_ids, *, max_new_tokens, stop_ids, **settings) -> Iterator[int]:
        self.calls.append((prompt_ids, max_new_tokens, settings))
        for token in self.ids[:max_new_tokens]:
            if token in stop_ids:
                return
            yield token


def _responder(tokenizer, ids: list[int]) -> LoadedResponder:
    generation = {"max_new_tokens": 50, "temperature": 0.0, "repetition_penalty": 1.15, "no_repeat_ngram_size": 6}
    return LoadedResponder(ScriptedStreamer(ids), tokenizer, model_dir="-", generation=generation,
                           max_prompt_tokens=400, window=8192)


def test_stream_never_splits_a_character_and_keeps_spaces(responder_tokenizer) -> None:
    reply = "  Café costs £15 😀 — naïve résumé [1].  \n"
    ids = responder_tokenizer(reply, add_special_tokens=False)["input_ids"]
    im_end = responder_tokenizer.convert_tokens_to_ids("<|im_end|>")
    responder = _responder(responder_tokenizer, ids + [im_end, *ids])
    inp = ResponderInput("q", passages=[SourcePassage(4, "t", "x")])
    pieces = list(responder.stream(inp))
    assert len(pieces) > 5
    assert not any("\ufffd" in p for p in pieces)
    assert "".join(pieces) == reply.strip()
    answer = responder.answer(inp)
    assert answer.text == reply.strip() and answer.cited_article_ids == [4]
    assert answer.cited_passages == [inp.passages[0]]


def test_stream_respects_overrides_and_refuses_unknown_options(responder_tokenizer) -> None:
    ids = responder_tokenizer(" one two three four five six", add_special_tokens=False)["input_ids"]
    responder = _responder(responder_tokenizer, ids)
    assert "".join(responder.stream(ResponderInput("q"), max_new_tokens=2)) == "one two"
    prompt, max_new, settings = responder.streamer.calls[-1]
    assert max_new == 2 and settings["repetition_penalty"] == 1.15
    with pytest.raises(TypeError, match="unknown generation option"):
        list(responder.stream(ResponderInput("q"), top_k=3))
    with pytest.raises(ValueError, match="temperature"):
        list(responder.stream(ResponderInput("q"), temperature=-1))
