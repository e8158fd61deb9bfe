"""Answering with a fine-tuned responder: token streaming behind a small backend registry, incremental
detokenization and citation parsing.

A backend is a ``TokenStreamer`` made by ``factory(model_dir, threads)``, where ``model_dir`` is the
artifact's ``model/`` folder (a plain transformers folder with the tokenizer). ``torch`` is built in;
others register with ``register_backend`` (``training.ml.responder.fast`` is imported on first
request of an unknown backend, so its backends register themselves).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from training.ml.common.errors import ArtifactError
from training.ml.responder.artifact import MODEL_DIR, read_artifact_meta
from training.ml.responder.config import GENERATION_KEYS, ResponderConfig
from training.ml.responder.modeling import load_model_dir
from training.ml.responder.prompt import ResponderInput, SourcePassage, end_of_turn_ids, render_prompt
from training.ml.responder.sampling import next_token

_CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]")


class TokenStreamer(Protocol):
    def stream(self, prompt_ids: list[int], *, max_new_tokens: int, stop_ids: set[int], temperature: float,
               repetition_penalty: float, no_repeat_ngram_size: int) -> Iterator[int]: ...


StreamerFactory = Callable[[str, "int | None"], TokenStreamer]
_BACKENDS: dict[str, StreamerFactory] = {}


def register_backend(name: str, factory: StreamerFactory) -> None:
    """Make ``load_responder(..., backend=name)`` build its streamer with ``factory(model_dir, threads)``."""
    _BACKENDS[name] = factory


def backend_names() -> list[str]:
    return sorted(_BACKENDS)


def _factory(name: str) -> StreamerFactory:
    if name not in _BACKENDS:
        try:
            importlib.import_module("training.ml.responder.fast")
        except ModuleNotFoundError as exc:
            if exc.name != "training.ml.responder.fast":
                raise
    if name not in _BACKENDS:
        raise ValueError(f"unknown responder backend {name!r}; available: {', '.join(backend_names())}")
    return _BACKENDS[name]


class TorchStreamer:
    """Greedy or sampled decoding, one token per forward pass, reusing the KV cache (``past_key_values``)."""

    def __init__(self, model: Any, *, device: str = "cpu") -> None:
        self.model, self.device = model, device

    @classmethod
    def from_model_dir(cls, model_dir: str, threads: int | None = None) -> TorchStreamer:
        import torch

        if threads:
            torch.set_num_threads(threads)  # process-wide, as torch offers no per-model setting
        return cls(load_model_dir(model_dir))

    def stream(self, prompt_ids: list[int], *, max_new_tokens: int, stop_ids: set[int], temperature: float,
               repetition_penalty: float, no_repeat_ngram_size: int) -> Iterator[int]:
        import torch

        generated: list[int] = []
        inputs, past = torch.tensor([prompt_ids], device=self.device), None
        for _ in range(max_new_tokens):
            # Inference mode only around the forward pass: the caller's code between tokens runs normally.
            with torch.inference_mode():
                out = self.model(input_ids=inputs, past_key_values=past, use_cache=True)
            past = out.past_key_values
            token = next_token(out.logits[0, -1], generated, temperature=temperature,
                               repetition_penalty=repetition_penalty, no_repeat_ngram_size=no_repeat_ngram_size)
            if token in stop_ids:
                return
            generated.append(token)
            yield token
            inputs = torch.tensor([[token]], device=self.device)


register_backend("torch", TorchStreamer.from_model_dir)


@dataclass(frozen=True)
class Answer:
    text: str
    cited_article_ids: list[int]
    cited_passages: list[SourcePassage]


def cited_indices(text: str, n_passages: int) -> list[int]:
    """0-based passage indices of the ``[n]`` / ``[n, m]`` markers, in order of first appearance;
    numbers outside 1..n_passages are ignored."""
    seen: list[int] = []
    for match in _CITATION.finditer(text):
        for number in match.group(1).split(","):
            index = int(number) - 1
            if 0 <= index < n_passages and index not in seen:
                seen.append(index)
    return seen


def citations(text: str, passages: list[SourcePassage]) -> list[int]:
    """Article ids cited by ``[n]`` markers: in order of first appearance, deduplicated."""
    ids: list[int] = []
    for index in cited_indices(text, len(passages)):
        if passages[index].article_id not in ids:
            ids.append(passages[index].article_id)
    return ids


class LoadedResponder:
    def __init__(self, streamer: TokenStreamer, tokenizer: Any, *, model_dir: str, generation: dict[str, Any],
                 max_prompt_tokens: int, window: int | None = None, backend: str = "torch",
                 meta: dict[str, Any] | None = None) -> None:
        self.streamer, self.tokenizer, self.model_dir = streamer, tokenizer, model_dir
        self.generation = self._settings(generation, {})
        self.max_prompt_tokens, self.window, self.backend, self.meta = max_prompt_tokens, window, backend, meta or {}
        self.stop_ids = set(end_of_turn_ids(tokenizer))

    @classmethod
    def from_model_dir(cls, model_dir: str | Path, *, backend: str = "torch", threads: int | None = None,
                       generation: dict[str, Any] | None = None, max_prompt_tokens: int | None = None,
                       meta: dict[str, Any] | None = None) -> LoadedResponder:
        """A responder over any causal-LM folder (an artifact's ``model/`` or an untuned base, e.g. for a baseline)."""
        from transformers import AutoTokenizer

        defaults = ResponderConfig()
        model_dir = str(model_dir)
        factory = _factory(backend)
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_dir)
            window = json.loads((Path(model_dir) / "config.json").read_text()).get("max_position_embeddings")
        except Exception as exc:  # transformers raises many types for a bad folder
            raise ArtifactError(f"cannot load the responder tokenizer in {model_dir}: {exc}") from exc
        streamer = factory(model_dir, threads)
        return cls(streamer, tokenizer, model_dir=model_dir, generation=generation or defaults.generation(),
                   max_prompt_tokens=max_prompt_tokens or defaults.max_prompt_tokens, window=window,
                   backend=backend, meta=meta)

    @staticmethod
    def _settings(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(overrides) - set(GENERATION_KEYS))
        if unknown:
            raise TypeError(f"unknown generation option(s): {', '.join(unknown)}; use {', '.join(GENERATION_KEYS)}")
        settings = {k: v for k, v in base.items() if k in GENERATION_KEYS} | overrides
        return ResponderConfig(**settings).generation()  # validates the values

    def prompt_ids(self, inp: ResponderInput, *, max_new_tokens: int | None = None) -> list[int]:
        budget = self.max_prompt_tokens
        if self.window:
            budget = min(budget, self.window - (max_new_tokens or self.generation["max_new_tokens"]))
        return render_prompt(self.tokenizer, inp, max_prompt_tokens=budget)

    def stream(self, inp: ResponderInput, **overrides: Any) -> Iterator[str]:
        """Decoded text pieces as tokens arrive; their concatenation is the reply (no leading or trailing
        whitespace, never half a multi-byte character)."""
        settings = self._settings(self.generation, overrides)
        prompt = self.prompt_ids(inp, max_new_tokens=settings["max_new_tokens"])
        ids: list[int] = []
        emitted = ""
        for token in self.streamer.stream(prompt, stop_ids=self.stop_ids, **settings):
            ids.append(token)
            text = self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)
            if text.endswith("\ufffd"):
                continue  # an incomplete UTF-8 sequence: wait for the token that completes it
            ready = text.strip()  # trailing spaces wait until a word follows them
            if len(ready) > len(emitted) and ready.startswith(emitted):
                piece, emitted = ready[len(emitted) :], ready
                yield piece

    def answer(self, inp: ResponderInput, **overrides: Any) -> Answer:
        text = "".join(self.stream(inp, **overrides))
        indices = cited_indices(text, len(inp.passages))
        return Answer(text=text, cited_article_ids=citations(text, inp.passages),
                      cited_passages=[inp.passages[i] for i in indices])


def load_responder(path: str | Path, *, backend: str = "torch", threads: int | None = None) -> LoadedResponder:
    """Load a trained responder artifact; ArtifactError for a missing, foreign or stale folder."""
    meta = read_artifact_meta(path)
    return LoadedResponder.from_model_dir(Path(path) / MODEL_DIR, backend=backend, threads=threads,
                                          generation=meta["generation"], max_prompt_tokens=meta["max_prompt_tokens"],
                                          meta=meta)
