"""Memory bandwidth of this machine and the bytes a decode step must read, per weight format.

Decoding one token of a 135M-parameter model multiplies one activation vector by every weight
matrix once, so on a CPU the step cannot be faster than (bytes read per token) / (memory bandwidth).
The bytes are counted from the model's config.json, matrix by matrix:

- per layer: q, k, v, o projections, gate/up/down of the MLP, and two RMSNorm vectors;
- the final norm, and the output matrix (the tied embedding: all ``vocab x hidden`` is read per token);
- one embedding row for the input token;
- the KV cache: K and V of every layer for every position so far (grows with the context).

    .venv/bin/python -m bench.responder.bandwidth --model var/models/base/SmolLM2-135M-Instruct.Q4_1-hf
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

# bytes per stored weight of a matrix, and per cached K/V value, for each form benchmarked
Q8_0_BYTES = 34 / 32  # ggml Q8_0: blocks of 32 int8 values plus one fp16 scale
FORMS: dict[str, tuple[float, float]] = {
    # form: (bytes per matrix weight, bytes per KV-cache value)
    "fp32": (4.0, 4.0),
    "bf16": (2.0, 2.0),
    "int8-dynamic": (1.0, 4.0),  # torch dynamic quantization: int8 weights, fp32 activations and cache
    "llama.cpp-f16": (2.0, 2.0),  # llama.cpp keeps its KV cache in f16
    "llama.cpp-bf16": (2.0, 2.0),
    "llama.cpp-q8_0": (Q8_0_BYTES, 2.0),
}


@dataclass(frozen=True)
class DecodeBytes:
    matrix_params: int  # all Linear weights of the layers plus the output matrix
    vector_params: int  # norms and one embedding row, read as fp32
    kv_values_per_position: int  # K and V values cached per position, all layers

    def weight_bytes(self, form: str) -> float:
        per_weight, _ = FORMS[form]
        return self.matrix_params * per_weight + self.vector_params * 4

    def kv_bytes(self, form: str, context: int) -> float:
        _, per_value = FORMS[form]
        return self.kv_values_per_position * context * per_value

    def total(self, form: str, context: int) -> float:
        return self.weight_bytes(form) + self.kv_bytes(form, context)


def decode_bytes(config: dict) -> DecodeBytes:
    hidden, inter, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads") or heads
    head_dim = config.get("head_dim") or hidden // heads
    vocab = config["vocab_size"]
    attention = hidden * heads * head_dim * 2 + hidden * kv_heads * head_dim * 2  # q, o and k, v
    mlp = 3 * hidden * inter
    matrices = layers * (attention + mlp) + vocab * hidden  # the output matrix is read whole
    vectors = layers * 2 * hidden + hidden + hidden  # two norms per layer, final norm, one embedding row
    return DecodeBytes(matrices, vectors, layers * 2 * kv_heads * head_dim)


def prefill_flops(config: dict, tokens: int) -> float:
    """Multiply-adds x 2 of a prompt's prefill: every layer matrix for every token, causal attention
    scores and mixing (about half of tokens x tokens per head), and the output matrix for the last token."""
    counted = decode_bytes(config)
    hidden, vocab, layers = config["hidden_size"], config["vocab_size"], config["num_hidden_layers"]
    heads = config["num_attention_heads"]
    head_dim = config.get("head_dim") or hidden // heads
    layer_matrices = counted.matrix_params - vocab * hidden
    attention = layers * heads * head_dim * tokens * (tokens + 1) / 2 * 2  # QK^T and AV
    return 2 * (layer_matrices * tokens + attention + vocab * hidden)


def measure_gemm(*, tokens: int = 480, repeats: int = 15) -> dict[str, float]:
    """GFLOP/s per CPU-second of one thread multiplying a prompt-sized activation block by an MLP matrix
    (576 x 1536, the shape most prefill work has), fp32 and bf16: what a prefill can hope for."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    out = {}
    try:
        for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            a, w = torch.randn(tokens, 576, dtype=dtype), torch.randn(1536, 576, dtype=dtype)
            torch.nn.functional.linear(a, w)
            times = []
            for _ in range(repeats):
                cpu = time.thread_time()
                torch.nn.functional.linear(a, w)
                times.append(max(time.thread_time() - cpu, 1e-9))
            out[name] = 2 * tokens * 576 * 1536 / statistics.median(times) / 1e9
    finally:
        torch.set_num_threads(previous)
    return out


def measure_bandwidth(*, mib: int = 512, repeats: int = 7) -> dict[str, float]:
    """GB/s (1e9 bytes) of one thread streaming through a large fp32 array (sum: read only; copy: read +
    write), medians. ``*_cpu_gbs`` divides by the thread's CPU time instead of wall time: on a machine
    shared with other jobs that is the rate while this thread actually runs, the figure that bounds a
    decode step once it is scheduled."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        n = mib * 1024 * 1024 // 4
        src, dst = torch.ones(n), torch.empty(n)
        src.sum(), dst.copy_(src)  # fault the pages in before timing
        rates: dict[str, list[float]] = {"read_gbs": [], "read_cpu_gbs": [], "copy_gbs": [], "copy_cpu_gbs": []}
        for _ in range(repeats):
            for name, op, nbytes in (("read", src.sum, n * 4), ("copy", lambda: dst.copy_(src), 2 * n * 4)):
                wall, cpu = time.perf_counter(), time.thread_time()
                op()
                rates[f"{name}_gbs"].append(nbytes / (time.perf_counter() - wall) / 1e9)
                rates[f"{name}_cpu_gbs"].append(nbytes / max(time.thread_time() - cpu, 1e-9) / 1e9)
    finally:
        torch.set_num_threads(previous)
    return {name: statistics.median(values) for name, values in rates.items()} | {
        "read_gbs_max": max(rates["read_gbs"])}


def limits(config: dict, read_gbs: float, *, context: int) -> dict[str, dict[str, float]]:
    """Per form: MB read per token at ``context`` positions and the tokens/s that bandwidth allows."""
    counted = decode_bytes(config)
    out = {}
    for form in FORMS:
        total = counted.total(form, context)
        out[form] = {"weights_mb": counted.weight_bytes(form) / 1e6, "kv_mb": counted.kv_bytes(form, context) / 1e6,
                     "limit_tok_s": read_gbs * 1e9 / total}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="var/models/base/SmolLM2-135M-Instruct.Q4_1-hf")
    parser.add_argument("--context", type=int, default=500, help="positions in the KV cache (prompt + reply so far)")
    parser.add_argument("--prompt-tokens", type=int, default=470, help="prompt length for the prefill bound")
    args = parser.parse_args(argv)
    config = json.loads((Path(args.model) / "config.json").read_text())
    counted = decode_bytes(config)
    print(f"matrix weights {counted.matrix_params:,}  vector weights {counted.vector_params:,}  "
          f"KV values per position {counted.kv_values_per_position:,}")
    bw = measure_bandwidth()
    print(f"one thread: read {bw['read_gbs']:.1f} GB/s wall (best {bw['read_gbs_max']:.1f}), "
          f"{bw['read_cpu_gbs']:.1f} GB/s per CPU-second; copy {bw['copy_gbs']:.1f} / {bw['copy_cpu_gbs']:.1f} GB/s")
    for form, row in limits(config, bw["read_cpu_gbs"], context=args.context).items():
        print(f"{form:16s} weights {row['weights_mb']:6.1f} MB + KV {row['kv_mb']:5.1f} MB -> "
              f"limit {row['limit_tok_s']:6.1f} tok/s")
    gemm = measure_gemm(tokens=args.prompt_tokens)
    flops = prefill_flops(config, args.prompt_tokens)
    print(f"prefill of {args.prompt_tokens} tokens: {flops / 1e9:.0f} GFLOP; one thread's GEMM "
          + ", ".join(f"{k} {v:.0f} GFLOP/s -> >= {flops / v / 1e6:.0f} ms" for k, v in gemm.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
