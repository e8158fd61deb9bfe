"""Single-message latency and quality: the engine now against the engine at an earlier commit, in one run.

    .venv/bin/python bench/pii/latency_compare.py --reference 5c1ff91   # the commit before issue #19's engine

The reference engine is read from git (``git archive <rev> conversations/pii``) into a temporary
folder and imported under another package name, so both engines load the same spaCy model in the
same process and are timed on the same messages, alternating run by run (A B A B ...), which keeps
machine load from favouring one of them. Messages: the single-message sets of run.py (the tuning
templates and the held-out ones, test seed). Reported per engine: p50 / p95 wall and CPU p50 of
``Anonymizer.detect()``, median over --repeats runs, and overall P / R / F2 (run.py's matching).
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import TEST_SEED, ensure_hash_seed, generate
from run import percentile, score, timed_run

from conversations.pii import Anonymizer, PiiConfig


def reference_package(rev: str, into: Path) -> object:
    """conversations/pii at ``rev``, importable as ``pii_reference``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "conversations/pii"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    (into / "conversations" / "pii").rename(into / "pii_reference")
    sys.path.insert(0, str(into))
    return importlib.import_module("pii_reference")


def _detector(engine: Any) -> Callable[[str], list[tuple[str, int, int]]]:
    return lambda text: [(e.entity_type, e.start, e.end) for e in engine.detect(text)]


def main(argv: list[str] | None = None) -> int:
    ensure_hash_seed()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", required=True, help="git revision of the reference engine")
    parser.add_argument("--seed", type=int, default=TEST_SEED)
    parser.add_argument("--n", type=int, default=1200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    sentences = generate(args.seed, args.n) + generate(args.seed, args.n, heldout=True)
    texts = [s.text for s in sentences]
    with tempfile.TemporaryDirectory() as folder:
        ref = reference_package(args.reference, Path(folder))
        engines = {
            "reference": ref.Anonymizer(ref.PiiConfig()).warm_up(),
            "current": Anonymizer(PiiConfig()).warm_up(),
        }
        detectors = {name: _detector(engine) for name, engine in engines.items()}
        runs: dict[str, dict[str, list[float]]] = {name: {"p50": [], "p95": [], "cpu_p50": []} for name in engines}
        preds = {}
        for _ in range(args.repeats):
            for name, detect in detectors.items():
                preds[name], times, cpu = timed_run(detect, texts)
                runs[name]["p50"].append(percentile(times, 0.5))
                runs[name]["p95"].append(percentile(times, 0.95))
                runs[name]["cpu_p50"].append(percentile(cpu, 0.5))
    load = os.getloadavg()[0]
    figures: dict[str, object] = {"reference": args.reference, "seed": args.seed, "messages": len(texts),
                                  "repeats": args.repeats, "load_average_1m": load, "nproc": os.cpu_count()}
    print(f"machine: {platform.machine()}, nproc={os.cpu_count()}, messages={len(texts)}, repeats={args.repeats}, load {load:.1f}")
    for name in engines:
        overall = score(sentences, preds[name])["OVERALL"]
        row = {k: statistics.median(v) for k, v in runs[name].items()} | {"runs": runs[name]}
        row |= {"precision": overall["precision"], "recall": overall["recall"], "f2": overall["f2"]}
        figures[name] = row
        print(f"{name:>9}: p50 {row['p50']:.2f} ms, p95 {row['p95']:.2f} ms, CPU p50 {row['cpu_p50']:.2f} ms; "
              f"P {row['precision']:.3f} R {row['recall']:.3f} F2 {row['f2']:.3f}")
    ratio = figures["current"]["p50"] / figures["reference"]["p50"]
    figures["p50_ratio"] = ratio
    print(f"p50 current / reference = {ratio:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
