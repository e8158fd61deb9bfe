"""The demo intent model against the frozen demo phrasings (training/intent/data/demo_frozen.jsonl).

Trains on conversations/demo_data (intents.json + out_of_scope.json) exactly as prepare_demo does
(the same training function), times it, then scores the frozen phrasings, which were never taught:

    nice -n 10 .venv/bin/python -m bench.intent.demo_frozen --output var/bench/demo-intent \
        --json bench/results/intent/demo_frozen_default.json
    # the fast recipe: add --epochs 4 --max-length 32 --bucketing ...

Accuracy is over the in-scope frozen rows: "served" counts a hand-off as wrong; "closed set" is the
best intent, hand-off ignored. Out-of-scope recall is over the frozen out-of-scope rows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.intent.common import machine  # noqa: E402
from training.ml.intent import Example, IntentTrainingConfig, load_classifier, train  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "conversations" / "demo_data"
FROZEN = ROOT / "training" / "intent" / "data" / "demo_frozen.jsonl"


def demo_examples() -> tuple[list[Example], list[str]]:
    intents = json.loads((DEMO_DIR / "intents.json").read_text(encoding="utf-8"))
    oos = json.loads((DEMO_DIR / "out_of_scope.json").read_text(encoding="utf-8"))
    return [Example(text=t, label=item["name"]) for item in intents for t in item["examples"]], oos


def frozen_score(artifact: Path) -> dict[str, object]:
    rows = [json.loads(line) for line in FROZEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    classifier = load_classifier(artifact)
    predictions = classifier.predict([r["text"] for r in rows])
    in_scope = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["label"] != "oos"]
    oos = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["label"] == "oos"]
    best_in_scope = [next((label for label, _ in p.top if label != "oos"), p.top[0][0]) for _, p in in_scope]
    wrong = [
        {"text": r["text"], "label": r["label"], "predicted": p.intent, "confidence": round(p.confidence, 3)}
        for r, p in in_scope
        if p.intent != r["label"]
    ]
    return {
        "n_in_scope": len(in_scope),
        "n_oos": len(oos),
        "served_accuracy": sum(p.intent == r["label"] for r, p in in_scope) / len(in_scope),
        "closed_set_accuracy": sum(b == r["label"] for b, (r, _) in zip(best_in_scope, in_scope, strict=True))
        / len(in_scope),
        "oos_recall": sum(p.is_oos for _, p in oos) / max(1, len(oos)),
        "backend": classifier.backend,
        "wrong": wrong,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="var/bench/demo-intent")
    parser.add_argument("--json", help="write the results here too")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an IntentTrainingConfig field, JSON value (e.g. --set epochs=4 --set length_bucketing=true)")
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name] = json.loads(value)
    config = IntentTrainingConfig.from_dict({**IntentTrainingConfig.defaults(), **overrides})
    examples, oos = demo_examples()
    output = Path(args.output)
    shutil.rmtree(output, ignore_errors=True)
    before = machine()
    started, cpu_started = time.perf_counter(), time.process_time()
    meta = train(examples, output, config, oos_texts=oos).meta
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    results = {
        "bench": "demo_frozen",
        "overrides": overrides,
        "config": config.to_dict(),
        "train_loop_seconds": meta["metrics"]["train_seconds"],
        "train_wall_seconds": round(wall, 1),  # loading + training + calibration + ONNX export and check
        "train_cpu_seconds": round(cpu, 1),  # all threads; on an idle 2-core box wall is about cpu / 2
        "steps": meta["metrics"]["steps"],
        "ood": meta.get("ood"),
        "validation": meta["metrics"]["validation"],
        "onnx": meta.get("onnx"),
        "frozen": frozen_score(output),
        "machine_before": before,
        "machine_after": machine(),
    }
    text = json.dumps(results, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n")
    f = results["frozen"]
    print(f"demo: served {f['served_accuracy']:.4f} closed {f['closed_set_accuracy']:.4f} oos recall {f['oos_recall']:.3f}; "
          f"loop {results['train_loop_seconds']}s wall {results['train_wall_seconds']}s load {before['load_avg']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
