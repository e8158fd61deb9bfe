"""The faster responder backends (training.ml.responder.fast) on real weights: the converted base
SmolLM2 folder and the fine-tuned test artifact. Behaviour only; speed is in bench/responder/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.responder_fixtures import ARTICLES

pytestmark = pytest.mark.slow

FAST_BACKENDS = ("llamacpp", "llamacpp-bf16")
# Prompts whose first 16 greedy tokens equal fp32 torch's, out of len(QUESTIONS); the bench measured 18/20
# (llamacpp) and 16/20 (llamacpp-bf16) for 32 tokens on the bench's grounded prompts; near-ties decide the rest.
MIN_IDENTICAL = {"llamacpp": 3, "llamacpp-bf16": 2}
QUESTIONS = ["When will my new card arrive?", "I lost my card, what now?", "how much does a transfer abroad cost?",
             "how do I change my PIN?"]
GREEDY = dict(temperature=0.0, repetition_penalty=1.0, no_repeat_ngram_size=0)


@pytest.fixture(scope="module")
def base_dir() -> str:
    from tests.responder_fixtures import base_model_dir
    from training.ml.responder.base import DEFAULT_BASE_MODEL, resolve_base_model

    return resolve_base_model(DEFAULT_BASE_MODEL, cache_dir=base_model_dir())


@pytest.fixture(scope="module")
def prompts(base_dir: str) -> list[list[int]]:
    from transformers import AutoTokenizer

    from training.ml.responder import ResponderInput, SourcePassage, render_prompt

    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    ids = sorted(ARTICLES)
    out = []
    for n, question in enumerate(QUESTIONS):
        passages = [SourcePassage(i, *ARTICLES[i]) for i in (ids[n], ids[(n + 1) % len(ids)], ids[(n + 2) % len(ids)])]
        out.append(render_prompt(tokenizer, ResponderInput(question=question, passages=passages), max_prompt_tokens=400))
    return out


@pytest.fixture(scope="module")
def streamers(base_dir: str) -> dict[str, Any]:
    from training.ml.responder.generate import _factory

    return {name: _factory(name)(base_dir, 1) for name in ("torch", *FAST_BACKENDS)}


def greedy(streamer: Any, prompt: list[int], n: int, stop_ids: set[int] | None = None) -> list[int]:
    return list(streamer.stream(prompt, max_new_tokens=n, stop_ids=stop_ids or set(), **GREEDY))


@pytest.mark.parametrize("name", FAST_BACKENDS)
def test_greedy_stream_is_deterministic_and_respects_max_new_tokens(streamers: dict, prompts: list, name: str) -> None:
    first = greedy(streamers[name], prompts[0], 12)
    assert len(first) == 12
    assert greedy(streamers[name], prompts[0], 12) == first
    assert greedy(streamers[name], prompts[0], 5) == first[:5]


@pytest.mark.parametrize("name", FAST_BACKENDS)
def test_stream_stops_before_a_stop_id(streamers: dict, prompts: list, name: str) -> None:
    tokens = greedy(streamers[name], prompts[1], 12)
    stop = tokens[6]
    assert greedy(streamers[name], prompts[1], 12, stop_ids={stop, -1}) == tokens[: tokens.index(stop)]


@pytest.mark.parametrize("name", FAST_BACKENDS)
def test_greedy_text_follows_fp32_torch(streamers: dict, prompts: list, name: str) -> None:
    expected = [greedy(streamers["torch"], p, 16) for p in prompts]
    got = [greedy(streamers[name], p, 16) for p in prompts]
    identical = sum(a == b for a, b in zip(expected, got, strict=True))
    assert identical >= MIN_IDENTICAL[name], (name, identical, expected, got)


def test_penalties_are_applied_like_the_torch_backend(streamers: dict, prompts: list) -> None:
    options = dict(temperature=0.0, repetition_penalty=1.3, no_repeat_ngram_size=2)
    tokens = list(streamers["llamacpp"].stream(prompts[2], max_new_tokens=40, stop_ids=set(), **options))
    pairs = list(zip(tokens, tokens[1:], strict=False))
    assert len(pairs) == len(set(pairs))  # no generated 2-gram twice
    expected = list(streamers["torch"].stream(prompts[2], max_new_tokens=8, stop_ids=set(), **options))
    assert tokens[:8] == expected


def test_interleaved_streams_do_not_share_a_context(streamers: dict, prompts: list) -> None:
    streamer = streamers["llamacpp"]
    alone = [greedy(streamer, p, 8) for p in prompts[:2]]
    first = streamer.stream(prompts[0], max_new_tokens=8, stop_ids=set(), **GREEDY)
    head = [next(first), next(first)]
    other = greedy(streamer, prompts[1], 8)  # runs while the first reply is half-way
    assert head + list(first) == alone[0]
    assert other == alone[1]


def test_a_prompt_beyond_the_window_is_refused(streamers: dict) -> None:
    streamer = streamers["llamacpp"]
    with pytest.raises(ValueError, match="window"):
        list(streamer.stream([1] * streamer.window, max_new_tokens=4, stop_ids=set(), **GREEDY))


def test_load_responder_with_llamacpp_writes_the_gguf_once(trained_responder: Any) -> None:
    from training.ml.responder import ResponderInput, SourcePassage, load_responder
    from training.ml.responder.fast_llamacpp import GGUF_NAME

    responder = load_responder(trained_responder.path, backend="llamacpp", threads=1)
    gguf = Path(trained_responder.path) / "model" / GGUF_NAME.format(quantization="f16")
    assert responder.backend == "llamacpp" and gguf.is_file()
    inp = ResponderInput(question="When will my new card arrive?", passages=[SourcePassage(11, *ARTICLES[11])])
    torch_answer = load_responder(trained_responder.path).answer(inp, max_new_tokens=24)
    answer = responder.answer(inp, max_new_tokens=24)
    assert answer.text and answer.text == torch_answer.text
    written = gguf.stat().st_mtime_ns
    load_responder(trained_responder.path, backend="llamacpp", threads=1)
    assert gguf.stat().st_mtime_ns == written  # reused, not rewritten


def test_a_stale_gguf_is_rewritten(tmp_path: Path, base_dir: str) -> None:
    from training.ml.responder.fast_llamacpp import ensure_gguf

    model = tmp_path / "model"
    model.mkdir()
    for item in Path(base_dir).iterdir():
        if item.is_file() and not item.name.endswith(".gguf"):
            os.symlink(item, model / item.name)
    gguf = ensure_gguf(model, quantization="q8_0")
    os.utime(gguf, (1, 1))  # older than the weights, as after retraining into the same folder
    assert ensure_gguf(model, quantization="q8_0").stat().st_mtime > 1


def test_export_refuses_a_model_it_cannot_convert(tmp_path: Path) -> None:
    from training.ml.common.errors import ArtifactError
    from training.ml.responder.gguf_export import export_gguf

    (tmp_path / "config.json").write_text('{"architectures": ["GPT2LMHeadModel"]}')
    with pytest.raises(ArtifactError, match="GPT2LMHeadModel"):
        export_gguf(tmp_path, tmp_path / "out.gguf")
    with pytest.raises(ValueError, match="quantization"):
        export_gguf(tmp_path, tmp_path / "out.gguf", quantization="q2_k")
    assert not list(tmp_path.glob("out.gguf*"))
