"""The ``llamacpp`` responder backend: llama.cpp (through ``llama-cpp-python``) over a GGUF Q8_0 copy
of the model folder's weights, written once next to them and rewritten when the weights change.

Prompts arrive as token ids from the transformers tokenizer, and llama.cpp hands back the logits of
each step, so penalties, greedy choice and sampling are ``sampling.next_token``'s, as for torch.
A llama.cpp context holds one sequence's KV cache and is not thread-safe: each ``stream`` call
takes an idle context from a small pool (or makes one), so concurrent replies never share one.

Prefix cache: a context keeps the KV state of the last sequence it ran, and the next prompt on it
recomputes only the positions after their longest common prefix (at least the fixed system
instructions, ~80 tokens; the whole system part when the same passages come back). The pool hands
out the idle context sharing the longest prefix. llama.cpp computes a position's keys and values from
the tokens before it only, with the same kernels whatever the batch, so the reused state is the one a
fresh prefill would write: tests/responder_backend/test_prefix_cache.py checks the greedy text is identical.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from training.ml.common.errors import ArtifactError
from training.ml.responder.gguf_export import export_gguf
from training.ml.responder.sampling import next_token

GGUF_NAME = "llamacpp-{quantization}.gguf"
CONTEXT_STEP = 1024  # contexts are sized in steps of this many positions
DEFAULT_THREADS = 1  # one thread decodes as fast as two here and does not stall when the other core is busy


def _stale(gguf: Path, model_dir: Path) -> bool:
    if not gguf.is_file():
        return True
    sources = [model_dir / "config.json", *model_dir.glob("*.safetensors")]
    return any(src.stat().st_mtime > gguf.stat().st_mtime for src in sources if src.exists())


def ensure_gguf(model_dir: str | os.PathLike[str], *, quantization: str = "f16") -> Path:
    """The GGUF file for ``model_dir``: ``model_dir/llamacpp-<quantization>.gguf``, written when missing or
    older than the weights; a read-only folder gets its copy under the system's temporary folder."""

    model_dir = Path(model_dir).resolve()
    name = GGUF_NAME.format(quantization=quantization)
    target = model_dir / name
    if not _stale(target, model_dir):
        return target
    if os.access(model_dir, os.W_OK):
        return export_gguf(model_dir, target, quantization=quantization)
    key = hashlib.sha1(str(model_dir).encode()).hexdigest()[:16]
    fallback = Path(tempfile.gettempdir()) / "chatbot-gguf" / f"{key}-{name}"
    return fallback if not _stale(fallback, model_dir) else export_gguf(model_dir, fallback, quantization=quantization)


def shared_prefix(llm: Any, prompt_ids: list[int]) -> int:
    """How many leading positions of ``prompt_ids`` the context already holds in its KV cache."""
    import numpy as np

    held = llm.input_ids[: min(llm.n_tokens, len(prompt_ids))]
    differs = np.flatnonzero(held != np.asarray(prompt_ids[: len(held)], dtype=held.dtype))
    return int(differs[0]) if len(differs) else len(held)


class LlamaCppStreamer:
    def __init__(self, gguf_path: str | os.PathLike[str], *, threads: int | None = None, window: int = 8192,
                 prefix_cache: bool = True) -> None:
        self.gguf_path, self.threads, self.window = str(gguf_path), threads or DEFAULT_THREADS, window
        self.prefix_cache = prefix_cache
        self.reused_tokens = 0  # prompt positions taken from a context's cache since load (for benchmarks)
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._idle.append(self._new_context(CONTEXT_STEP))  # load now, so a bad file fails at load time

    @classmethod
    def from_model_dir(cls, model_dir: str, threads: int | None = None, *, quantization: str = "f16",
                       prefix_cache: bool = True) -> LlamaCppStreamer:
        import json

        config = json.loads((Path(model_dir) / "config.json").read_text())
        return cls(ensure_gguf(model_dir, quantization=quantization), threads=threads,
                   window=int(config.get("max_position_embeddings") or 2048), prefix_cache=prefix_cache)

    def _new_context(self, n_ctx: int) -> Any:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ArtifactError("the llamacpp backend needs llama-cpp-python (pip install -e '.[ml]')") from exc
        try:
            # No flash_attn: it takes ~10% off the prefill but 1-2 more of 20 bench prompts leave fp32's greedy text.
            return Llama(model_path=self.gguf_path, n_ctx=n_ctx, n_batch=512, n_threads=self.threads,
                         n_threads_batch=self.threads, logits_all=False, verbose=False)
        except ValueError as exc:  # llama-cpp-python's answer to a file llama.cpp cannot load
            raise ArtifactError(f"llama.cpp cannot load {self.gguf_path}: {exc}") from exc

    def _acquire(self, needed: int, prompt_ids: list[int]) -> Any:
        with self._lock:
            fitting = [(shared_prefix(llm, prompt_ids) if self.prefix_cache else 0, i)
                       for i, llm in enumerate(self._idle) if llm.n_ctx() >= needed]
            if fitting:
                return self._idle.pop(max(fitting)[1])
        size = min(self.window, -(-needed // CONTEXT_STEP) * CONTEXT_STEP)
        return self._new_context(size)

    def _release(self, llm: Any) -> None:
        with self._lock:
            self._idle.append(llm)

    def stream(self, prompt_ids: list[int], *, max_new_tokens: int, stop_ids: set[int], temperature: float,
               repetition_penalty: float, no_repeat_ngram_size: int) -> Iterator[int]:
        import numpy as np
        import torch

        needed = len(prompt_ids) + max_new_tokens
        if not prompt_ids or needed > self.window:
            raise ValueError(f"prompt of {len(prompt_ids)} tokens + {max_new_tokens} new ones does not fit "
                             f"the model's window of {self.window}")
        llm = self._acquire(needed, prompt_ids)
        try:
            # One position is always recomputed: its logits choose the first token.
            keep = min(shared_prefix(llm, prompt_ids), len(prompt_ids) - 1) if self.prefix_cache else 0
            llm.reset()
            llm.n_tokens = keep  # eval() drops the cached positions from here on and computes the rest
            self.reused_tokens += keep
            llm.eval(prompt_ids[keep:])
            vocab = llm.n_vocab()
            generated: list[int] = []
            for _ in range(max_new_tokens):
                logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(vocab,))
                token = next_token(torch.from_numpy(logits), generated, temperature=temperature,
                                   repetition_penalty=repetition_penalty, no_repeat_ngram_size=no_repeat_ngram_size)
                if token in stop_ids:
                    return
                generated.append(token)
                yield token
                llm.eval([token])
        finally:
            self._release(llm)
