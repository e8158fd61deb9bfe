"""Time to first token with and without the llama.cpp prefix cache, against the prefill floor of the
tokens that remain to be computed.

Three cases per grounded prompt (bench/responder/prompts.py: instructions + 3 help articles + a question),
each measured as the call to the first token of a one-thread backend (prefill + one step):

- ``fresh``: the whole prompt is prefilled (``prefix_cache=False``, the behaviour before the cache);
- ``instructions``: the context last served another customer's prompt (other passages), so only the fixed
  system instructions are reused (~80 tokens): a new conversation's first message;
- ``passages``: the context last served the same passages with another question: a follow-up message.

The floor is bench.responder.bandwidth's: FLOPs of the prefill over one thread's measured GEMM rate (fp32 and
bf16, thread CPU time), here for the positions that remain (their layer matrices, their attention over the
cached and new positions, the output matrix once). TTFT is reported in wall and in process CPU time; on a
shared machine the CPU figure is the one to set against the floor. Cases and backends are interleaved.

    nice -n 10 .venv/bin/python -m bench.responder.prefill --rounds 3 --prompts 4 --json bench/results/responder_prefill.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.responder.bandwidth import decode_bytes, measure_gemm, prefill_flops
from bench.responder.prompts import DEFAULT_MODEL, MAX_PROMPT_TOKENS, grounded_inputs, resolve_model

CASES = ("fresh", "instructions", "passages")
FOLLOW_UP = "And what if that does not work?"


def remaining_flops(config: dict, tokens: int, cached: int) -> float:
    """``prefill_flops`` for positions cached..tokens-1 only: each new position attends to every earlier one."""
    hidden, vocab, layers = config["hidden_size"], config["vocab_size"], config["num_hidden_layers"]
    heads = config["num_attention_heads"]
    head_dim = config.get("head_dim") or hidden // heads
    layer_matrices = decode_bytes(config).matrix_params - vocab * hidden
    new = tokens - cached
    attended = new * cached + new * (new + 1) / 2  # keys each new query sees, summed
    attention = layers * heads * head_dim * attended * 2
    return 2 * (layer_matrices * new + attention + vocab * hidden)


def ttft(streamer, prompt: list[int]) -> tuple[float, float, int]:
    """(wall ms, process CPU ms, positions reused) of the call to the first token."""
    before = streamer.reused_tokens
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in streamer.stream(prompt, max_new_tokens=1, stop_ids=set(), temperature=0.0, repetition_penalty=1.0,
                             no_repeat_ngram_size=0):
        break
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3, streamer.reused_tokens - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--backends", default="llamacpp,llamacpp-bf16")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    import dataclasses

    from transformers import AutoTokenizer

    from training.ml.responder.fast import llamacpp
    from training.ml.responder.prompt import render_prompt

    model_dir = resolve_model(args.model)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    inputs = grounded_inputs(args.prompts)
    prompts = [render_prompt(tokenizer, inp, max_prompt_tokens=MAX_PROMPT_TOKENS) for inp in inputs]
    follow_ups = [render_prompt(tokenizer, dataclasses.replace(inp, question=FOLLOW_UP), max_prompt_tokens=MAX_PROMPT_TOKENS)
                  for inp in inputs]
    config = json.loads((Path(model_dir) / "config.json").read_text())
    quantization = {"llamacpp": "f16", "llamacpp-bf16": "bf16"}
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    streamers = {name: {"fresh": llamacpp(model_dir, 1, quantization=quantization[name]),
                        "cached": llamacpp(model_dir, 1, quantization=quantization[name])} for name in names}
    for name in names:
        streamers[name]["fresh"].prefix_cache = False
        ttft(streamers[name]["fresh"], prompts[0])  # warm-up: first calls allocate and pick kernels
        ttft(streamers[name]["cached"], prompts[0])
    load_before = os.getloadavg()
    gemm = measure_gemm()
    rows: dict[str, dict[str, list[dict]]] = {name: {case: [] for case in CASES} for name in names}
    for _ in range(args.rounds):
        for i, prompt in enumerate(prompts):
            for name in names:
                fresh, cached = streamers[name]["fresh"], streamers[name]["cached"]
                for case in CASES:
                    if case == "fresh":
                        streamer = fresh
                    else:
                        # The context's last sequence: another customer's prompt, or the same passages' follow-up.
                        ttft(cached, prompts[(i + 1) % len(prompts)] if case == "instructions" else follow_ups[i])
                        streamer = cached
                    wall, cpu, reused = ttft(streamer, prompt)
                    flops = remaining_flops(config, len(prompt), reused)
                    rows[name][case].append({"prompt_tokens": len(prompt), "reused": reused, "ttft_ms": wall,
                                             "ttft_cpu_ms": cpu, "gflop": flops / 1e9,
                                             "floor_bf16_ms": flops / gemm["bf16"] / 1e6,
                                             "floor_fp32_ms": flops / gemm["fp32"] / 1e6})
    load_after = os.getloadavg()
    assert abs(remaining_flops(config, 480, 0) - prefill_flops(config, 480)) < 1e3  # the same floor as bandwidth.py

    summary = {}
    print(f"model {model_dir}; one thread; {args.rounds} rounds x {len(prompts)} prompts "
          f"({min(map(len, prompts))}-{max(map(len, prompts))} tokens); GEMM fp32 {gemm['fp32']:.0f}, bf16 {gemm['bf16']:.0f} "
          f"GFLOP/s per CPU-second; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print("| backend | case | reused tokens | TTFT p50 ms (wall) | TTFT p50 ms (CPU) | floor bf16 / fp32 ms | CPU TTFT / bf16 floor |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in names:
        for case in CASES:
            r = rows[name][case]
            med = {k: statistics.median(x[k] for x in r) for k in ("reused", "ttft_ms", "ttft_cpu_ms", "floor_bf16_ms",
                                                                  "floor_fp32_ms")}
            med["ratio_cpu_to_bf16_floor"] = med["ttft_cpu_ms"] / med["floor_bf16_ms"]
            med["ratio_cpu_to_fp32_floor"] = med["ttft_cpu_ms"] / med["floor_fp32_ms"]
            summary.setdefault(name, {})[case] = med
            print(f"| {name} | {case} | {med['reused']:.0f} | {med['ttft_ms']:.0f} | {med['ttft_cpu_ms']:.0f} | "
                  f"{med['floor_bf16_ms']:.0f} / {med['floor_fp32_ms']:.0f} | {med['ratio_cpu_to_bf16_floor']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "gemm_gflops": gemm, "load": [load_before, load_after],
                                               "summary": summary, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
