"""The llama.cpp prefix cache: a context recomputes only the prompt positions after the prefix it already
holds, and the greedy text is exactly the text of a fresh prefill."""

from __future__ import annotations

import pytest

from tests.responder_fixtures import ARTICLES
from training.ml.responder import ResponderInput, SourcePassage, render_prompt
from training.ml.responder.fast_llamacpp import LlamaCppStreamer, shared_prefix

pytestmark = pytest.mark.slow
GREEDY = {"max_new_tokens": 16, "stop_ids": set(), "temperature": 0.0, "repetition_penalty": 1.15, "no_repeat_ngram_size": 6}
QUESTIONS = ["When will my new card arrive?", "I lost my card, what now?", "how much does a transfer abroad cost?"]


@pytest.fixture(scope="module")
def prompts(base_tokenizer) -> list[list[int]]:
    ids = sorted(ARTICLES)
    out = []
    for n, question in enumerate(QUESTIONS):
        passages = [SourcePassage(i, *ARTICLES[i]) for i in (ids[n], ids[(n + 1) % len(ids)])]
        out.append(render_prompt(base_tokenizer, ResponderInput(question=question, passages=passages), max_prompt_tokens=400))
    # The same passages with another question: everything up to the question is shared.
    out.append(render_prompt(base_tokenizer, ResponderInput(question="And how do I track it?", passages=[
        SourcePassage(ids[0], *ARTICLES[ids[0]]), SourcePassage(ids[1], *ARTICLES[ids[1]])]), max_prompt_tokens=400))
    return out


def test_cached_prefill_gives_the_fresh_prefill_greedy_text(base_folder, prompts):
    fresh = LlamaCppStreamer.from_model_dir(base_folder, 1, prefix_cache=False)
    cached = LlamaCppStreamer.from_model_dir(base_folder, 1, prefix_cache=True)
    expected = [list(fresh.stream(p, **GREEDY)) for p in prompts]
    assert fresh.reused_tokens == 0
    order = [0, 3, 1, 2, 0, 0]  # 3 after 0: the same passages; the last: the very prompt again
    got, reused = [], []
    for n in order:
        before = cached.reused_tokens
        got.append(list(cached.stream(prompts[n], **GREEDY)))
        reused.append(cached.reused_tokens - before)
    assert got == [expected[n] for n in order]
    system = next(i for i, (a, b) in enumerate(zip(prompts[0], prompts[1], strict=False)) if a != b)
    assert system > 40  # the fixed instructions, shared by every prompt
    assert reused[0] == 0 and reused[2] == reused[3] == reused[4] == system
    assert reused[1] > system + 40  # only the question is computed
    assert reused[5] == len(prompts[0]) - 1  # only the last position, whose logits pick the first token

def test_the_pool_hands_out_the_context_holding_the_longest_prefix(base_folder, prompts):
    streamer = LlamaCppStreamer.from_model_dir(base_folder, 1)
    first, second = streamer._acquire(600, prompts[0]), streamer._acquire(600, prompts[0])  # two contexts
    for llm, prompt in ((first, prompts[1]), (second, prompts[0])):
        llm.reset()
        llm.eval(prompt)
        streamer._release(llm)
    assert streamer._acquire(600, prompts[3]) is second
    assert shared_prefix(second, prompts[3]) > shared_prefix(first, prompts[3])
