"""Compression of an intent model: accuracy against latency and size, one table.

Each artifact (e.g. the 6-layer model and one fine-tuned with ``encoder_layers=4``) is served as ONNX
fp32 and int8 (post-training dynamic quantisation); all variants run in one process on one
thread, interleaved round by round so load from other sessions hits them alike.

    nice -n 10 .venv/bin/python -m bench.intent.compress --artifact 6-layer=var/bench/demo-intent-fast \
        --artifact 4-layer=var/bench/demo-intent-4l --json bench/results/intent/demo_compression.json
    # Banking77 artifacts (bench.intent.banking77), scored on test.csv:
    nice -n 10 .venv/bin/python -m bench.intent.compress --dataset banking77 --artifact 6-layer=var/bench/b77-final-s1 \
        --artifact 4-layer=var/bench/b77-4layers-s1 --json bench/results/intent/banking77_compression.json
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

from bench.intent.banking77 import DATA_DIR  # noqa: E402
from bench.intent.common import machine  # noqa: E402
from training.intent.frozen import frozen_demo_load  # noqa: E402
from training.ml.intent import OnnxIntentClassifier, load_csv, read_artifact_meta  # noqa: E402
from training.ml.intent.artifact import VALIDATION_FILE, read_examples  # noqa: E402


def _accuracy(classifier: OnnxIntentClassifier, rows: list) -> dict[str, float]:
    rows = [ex for ex in rows if ex.label != "oos"]
    predictions = classifier.predict([ex.text for ex in rows])
    closed = [next((label for label, _ in p.top if label != "oos"), p.top[0][0]) for p in predictions]
    return {"served": sum(p.intent == ex.label for p, ex in zip(predictions, rows, strict=True)) / len(rows),
            "closed_set": sum(c == ex.label for c, ex in zip(closed, rows, strict=True)) / len(rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", action="append", required=True, metavar="NAME=FOLDER")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--dataset", choices=["demo", "banking77"], default="demo",
                        help="'demo': the frozen demo phrasings; 'banking77': its test.csv")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    demo = args.dataset == "demo"
    frozen = frozen_demo_load() if demo else load_csv(DATA_DIR / "test.csv", label_column="category")
    held_out_key = "frozen_accuracy" if demo else "test_accuracy"
    variants: dict[str, tuple[OnnxIntentClassifier, dict]] = {}
    for item in args.artifact:
        name, _, folder = item.partition("=")
        meta = read_artifact_meta(folder)
        validation = read_examples(Path(folder) / VALIDATION_FILE)
        for precision in ("fp32", "int8"):
            clf = OnnxIntentClassifier.load(folder, variant=precision, intra_op_threads=1)
            size = (Path(folder) / meta["onnx"]["files"][precision]).stat().st_size
            variants[f"{name} {precision}"] = (clf, {
                "artifact": folder, "encoder_layers": meta["metrics"].get("encoder_layers"), "precision": precision,
                "served_by_rule": meta["onnx"]["selected"] == precision,
                "onnx_megabytes": round(size / 1e6, 1), held_out_key: _accuracy(clf, frozen),
                "validation_accuracy": _accuracy(clf, validation),
                "train_loop_seconds": meta["metrics"]["train_seconds"]})
    texts = [ex.text for ex in frozen][: args.messages]
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for clf, _ in variants.values():
        clf.predict(texts[:5])
    for _ in range(args.rounds):
        for name, (clf, _) in variants.items():
            per_message = []
            for text in texts:
                started = time.perf_counter()
                clf.predict([text])
                per_message.append(time.perf_counter() - started)
            timings[name].append(statistics.median(per_message) * 1000)
    rows = []
    for name, (_, row) in variants.items():
        rows.append({"variant": name, **row, "p50_ms": round(statistics.median(timings[name]), 2),
                     "p50_ms_per_round": [round(t, 2) for t in timings[name]]})
        print(json.dumps(rows[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": f"{args.dataset}_compression", "machine": machine(), "rows": rows},
                                              indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
