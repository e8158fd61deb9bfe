"""Responder generation speed on CPU: time to first token and decode tokens/s per backend, in one run.

Every backend (``torch`` = fp32, and the forms of training.ml.responder.fast) streams greedy replies
of exactly ``--new-tokens`` tokens (stop tokens disabled) to grounded prompts (system + 3 passages
+ question, ~440-490 tokens). Backends are interleaved prompt by prompt, round by round, so load
from other jobs on a shared machine hits them alike; one warm-up reply each is excluded.

- TTFT: from the call to the first token (the whole prompt's prefill plus one step); p50 / p95.
- decode tok/s: (new tokens - 1) / (last token - first token); median over all replies.
- Each figure also in CPU time (the process's, all threads): on a busy machine wall time mostly
  measures the wait for a core; CPU time is what the work costs once it runs.
- The physical limit: memory bandwidth (one thread, same run) / bytes read per decoded token
  (bench.responder.bandwidth), and the share of it each backend reaches.

    .venv/bin/python -m bench.responder.latency --threads 1 --rounds 5 --prompts 4 --new-tokens 64
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

from bench.responder.bandwidth import limits, measure_bandwidth, measure_gemm, prefill_flops  # noqa: E402
from bench.responder.prompts import DEFAULT_MODEL, grounded_prompts, resolve_model  # noqa: E402

FORM_OF_BACKEND = {"torch": "fp32", "torch-int8": "int8-dynamic", "torch-bf16": "bf16", "llamacpp": "llama.cpp-f16",
                   "llamacpp-bf16": "llama.cpp-bf16", "llamacpp-q8": "llama.cpp-q8_0"}


def factory(name: str):
    """A registered backend, or one of the measured-but-unregistered forms of training.ml.responder.fast."""
    from training.ml.responder.fast import CANDIDATES
    from training.ml.responder.generate import _factory

    return CANDIDATES[name] if name in CANDIDATES else _factory(name)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def timed_reply(streamer, prompt: list[int], new_tokens: int) -> dict[str, float]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    first_wall = first_cpu = 0.0
    count = 0
    for _ in streamer.stream(prompt, max_new_tokens=new_tokens, stop_ids=set(), temperature=0.0,
                             repetition_penalty=1.0, no_repeat_ngram_size=0):
        if count == 0:
            first_wall, first_cpu = time.perf_counter(), time.process_time()
        count += 1
    end_wall, end_cpu = time.perf_counter(), time.process_time()
    if count != new_tokens:
        raise RuntimeError(f"expected {new_tokens} tokens, got {count}")
    return {"ttft_ms": (first_wall - wall0) * 1e3, "ttft_cpu_ms": (first_cpu - cpu0) * 1e3,
            "tok_s": (count - 1) / (end_wall - first_wall), "tok_cpu_s": (count - 1) / max(end_cpu - first_cpu, 1e-9)}


def summarize(rows: list[dict[str, float]]) -> dict[str, float]:
    ttft, ttft_cpu = [r["ttft_ms"] for r in rows], [r["ttft_cpu_ms"] for r in rows]
    return {"replies": len(rows), "ttft_p50_ms": percentile(ttft, 50), "ttft_p95_ms": percentile(ttft, 95),
            "ttft_cpu_p50_ms": percentile(ttft_cpu, 50), "ttft_cpu_p95_ms": percentile(ttft_cpu, 95),
            "decode_tok_s": statistics.median(r["tok_s"] for r in rows),
            "decode_tok_cpu_s": statistics.median(r["tok_cpu_s"] for r in rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a model folder, or smollm2-135m-instruct")
    parser.add_argument("--backends", default="torch,torch-int8,torch-bf16,llamacpp,llamacpp-bf16,llamacpp-q8")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prompts", type=int, default=4, help="distinct grounded prompts per round")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(args.threads)
    model_dir = resolve_model(args.model)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompts = grounded_prompts(tokenizer, args.prompts)
    load_before = os.getloadavg()
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    streamers, load_s = {}, {}
    for name in names:
        started = time.perf_counter()
        streamers[name] = factory(name)(model_dir, args.threads)
        load_s[name] = time.perf_counter() - started
        timed_reply(streamers[name], prompts[0], 8)  # warm-up: first calls allocate and pick kernels
    bandwidth, gemm = measure_bandwidth(), measure_gemm()
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for _ in range(args.rounds):
        for prompt in prompts:
            for name in names:
                rows[name].append(timed_reply(streamers[name], prompt, args.new_tokens))
    load_after = os.getloadavg()

    context = round(statistics.fmean(len(p) for p in prompts)) + args.new_tokens // 2
    config = json.loads((Path(model_dir) / "config.json").read_text())
    limit = limits(config, bandwidth["read_cpu_gbs"], context=context)
    results = {name: summarize(rows[name]) | {"load_s": load_s[name]} for name in names}
    base = results.get("torch")
    print(f"model {model_dir}; threads {args.threads}; {args.rounds} rounds x {len(prompts)} prompts "
          f"({min(map(len, prompts))}-{max(map(len, prompts))} tokens), {args.new_tokens} new tokens; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print(f"bandwidth (one thread): read {bandwidth['read_gbs']:.1f} GB/s wall, {bandwidth['read_cpu_gbs']:.1f} GB/s "
          f"per CPU-second; limits at {context} cached positions")
    flops = prefill_flops(config, round(statistics.fmean(len(p) for p in prompts)))
    print(f"prefill {flops / 1e9:.0f} GFLOP; one thread's GEMM " + ", ".join(
        f"{k} {v:.0f} GFLOP/s (TTFT >= {flops / v / 1e6:.0f} ms)" for k, v in gemm.items()))
    print("| backend | TTFT p50 / p95 ms | TTFT CPU p50 ms | decode tok/s | decode tok/CPU-s | x fp32 (decode, TTFT) "
          "| limit tok/s | share of limit (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        form = FORM_OF_BACKEND.get(name)
        cap = limit[form]["limit_tok_s"] if form else float("nan")
        ratio = (f"{r['decode_tok_s'] / base['decode_tok_s']:.2f} / {base['ttft_p50_ms'] / r['ttft_p50_ms']:.2f}"
                 if base else "-")
        r |= {"limit_tok_s": cap, "form": form}
        print(f"| {name} | {r['ttft_p50_ms']:.0f} / {r['ttft_p95_ms']:.0f} | {r['ttft_cpu_p50_ms']:.0f} | "
              f"{r['decode_tok_s']:.1f} | {r['decode_tok_cpu_s']:.1f} | {ratio} | {cap:.0f} | "
              f"{r['decode_tok_cpu_s'] / cap:.0%} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "bandwidth": bandwidth, "gemm_gflops": gemm, "limits": limit,
                                               "load": [load_before, load_after], "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
