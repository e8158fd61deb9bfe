"""Per-message latency and batched throughput: torch fp32 vs ONNX Runtime fp32 vs ONNX Runtime int8.

All three back-ends run in one process on one thread (torch.set_num_threads(1), ONNX
intra_op_num_threads=1), interleaved round by round so that noise from other load on a shared
machine hits them alike; each figure is the median over the rounds.

    .venv/bin/python -m bench.intent.latency --artifact var/bench/banking77 --rounds 5
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

from training.ml.intent import IntentClassifier, OnnxIntentClassifier  # noqa: E402
from training.ml.intent.artifact import VALIDATION_FILE, read_examples  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", default="var/bench/banking77")
    parser.add_argument("--messages", type=int, default=200, help="single-message calls per round and back-end")
    parser.add_argument("--batches", type=int, default=10, help="batches per round and back-end")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    artifact = Path(args.artifact)
    texts = [ex.text for ex in read_examples(artifact / VALIDATION_FILE)]
    if len(texts) < args.batch_size:
        texts = texts * (args.batch_size // max(1, len(texts)) + 1)
    backends = {
        "torch fp32": IntentClassifier.load(artifact, device="cpu", batch_size=args.batch_size),
        "onnx fp32": OnnxIntentClassifier.load(
            artifact, variant="fp32", intra_op_threads=args.threads, batch_size=args.batch_size
        ),
        "onnx int8": OnnxIntentClassifier.load(
            artifact, variant="int8", intra_op_threads=args.threads, batch_size=args.batch_size
        ),
    }
    single = texts[: args.messages]
    batches = [texts[(i * args.batch_size) % len(texts) :][: args.batch_size] for i in range(args.batches)]
    for clf in backends.values():  # warm-up: first calls allocate
        for text in single[:20]:
            clf.predict_one(text)
        clf.predict(batches[0])

    per_round: dict[str, dict[str, list[float]]] = {name: {"p50": [], "p95": [], "mean": [], "tput": []} for name in backends}
    for _ in range(args.rounds):
        for name, clf in backends.items():
            latencies = []
            for text in single:
                started = time.perf_counter()
                clf.predict_one(text)
                latencies.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            n = 0
            for batch in batches:
                n += len(clf.predict(batch))
            elapsed = time.perf_counter() - started
            per_round[name]["p50"].append(_percentile(latencies, 50))
            per_round[name]["p95"].append(_percentile(latencies, 95))
            per_round[name]["mean"].append(statistics.fmean(latencies))
            per_round[name]["tput"].append(n / elapsed)

    results = {name: {key: statistics.median(vals) for key, vals in stats.items()} for name, stats in per_round.items()}
    base = results["torch fp32"]
    print(f"\nthreads={args.threads}, {args.rounds} rounds x {len(single)} messages, {args.batches} batches of {args.batch_size}")
    print("| back-end | p50 ms | p95 ms | p50 speed-up | batch-32 msg/s | throughput ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {base['p50'] / r['p50']:.2f}x "
            f"| {r['tput']:.0f} | {r['tput'] / base['tput']:.2f}x |"
        )
    selected = json.loads((artifact / "meta.json").read_text()).get("onnx", {}).get("selected")
    summary = {"threads": args.threads, "rounds": args.rounds, "selected_onnx": selected, "results": results}
    print(json.dumps(summary | {"per_round": per_round}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
