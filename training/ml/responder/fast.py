"""Faster CPU backends for the responder, registered with ``generate.register_backend``.

Decoding a 135M-parameter model one token at a time reads every weight once per token, so on a
CPU a step is bound by memory bandwidth and, for a model this small, by per-operation overhead in
Python and torch. docs/benchmarks.md ("Responder generation (CPU)") has the figures behind this list.

Registered (greedy text the same or nearly the same as fp32 torch):

- ``llamacpp`` — llama.cpp (``llama-cpp-python``) over the weights written once as GGUF F16 next to
  them: half of fp32's bytes, one C++ call per token, fp32 accumulation. About 4x torch fp32's
  decode speed with the same greedy text on 18 of 20 grounded prompts (first 32 tokens).
- ``llamacpp-bf16`` — the same with BF16 weights: time to first token ~30% shorter (the prefill
  uses the CPU's AVX512-BF16 dot products), the same decode speed, but 16 of 20 identical.

Measured and not registered (``CANDIDATES``, for the benchmark): torch dynamic int8 (0 of 20
identical, its replies start differently), torch bf16 (slower than fp32 when decoding) and llama.cpp
Q8_0 (fastest decode, 4 of 20 identical: activations are quantized too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from training.ml.responder.fast_llamacpp import LlamaCppStreamer
from training.ml.responder.generate import TorchStreamer, register_backend
from training.ml.responder.modeling import load_model_dir


def _torch_model(model_dir: str, threads: int | None) -> Any:
    import torch


    if threads:
        torch.set_num_threads(threads)  # process-wide, as torch offers no per-model setting
    return load_model_dir(model_dir)


def quantize_int8(model: Any) -> Any:
    """The model with every ``nn.Linear`` (the tied output matrix included) replaced by a dynamically
    quantized int8 one; the embedding lookup and norms stay fp32."""
    import warnings

    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not a dependency here.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def torch_int8(model_dir: str, threads: int | None = None) -> TorchStreamer:
    return TorchStreamer(quantize_int8(_torch_model(model_dir, threads)))


def torch_bf16(model_dir: str, threads: int | None = None) -> TorchStreamer:
    import torch

    return TorchStreamer(_torch_model(model_dir, threads).to(torch.bfloat16))


def llamacpp(model_dir: str, threads: int | None = None, *, quantization: str = "f16") -> Any:
    return LlamaCppStreamer.from_model_dir(model_dir, threads=threads, quantization=quantization)


def llamacpp_bf16(model_dir: str, threads: int | None = None) -> Any:
    return llamacpp(model_dir, threads, quantization="bf16")


def llamacpp_q8(model_dir: str, threads: int | None = None) -> Any:
    return llamacpp(model_dir, threads, quantization="q8_0")


CANDIDATES: dict[str, Callable[[str, int | None], Any]] = {
    "torch-int8": torch_int8,
    "torch-bf16": torch_bf16,
    "llamacpp-q8": llamacpp_q8,
}

register_backend("llamacpp", llamacpp)
register_backend("llamacpp-bf16", llamacpp_bf16)
