"""What each lever of the demo responder fine-tune costs: seconds per optimisation step for full vs LoRA
fine-tuning and for shorter training sequences, on the demo's own training pairs, plus model load and save.

The pairs are those a run would train on (training/responder/pairs.py over the active index): with
``--pairs FILE`` missing, they are built from the database once (Django settings from the environment,
e.g. CHATBOT_VAR_DIR of a prepared demo) and written there. Each configuration then trains ``--steps``
steps (micro-batch 4, 2 accumulated: 8 sequences a step) with one progress report per step; the figure is
the median step time after the first (which pays for warm-up).

    CHATBOT_VAR_DIR=/tmp/demo_var .venv/bin/python -m bench.responder.levers --pairs var/bench/demo_pairs.jsonl \\
        --steps 3 --output bench/results/responder_levers.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CONFIGS: dict[str, dict] = {
    "full-896": {"method": "full", "max_length": 896, "max_prompt_tokens": 768},
    "lora-896": {"method": "lora", "max_length": 896, "max_prompt_tokens": 768},
    "lora-512": {"method": "lora", "max_length": 512, "max_prompt_tokens": 448},
    "lora-384": {"method": "lora", "max_length": 384, "max_prompt_tokens": 320},
}


def pairs_from_db(path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.local")
    import django

    django.setup()
    from training.ml.responder.artifact import write_pairs
    from training.responder.pairs import responder_pairs_from_db

    path.parent.mkdir(parents=True, exist_ok=True)
    write_pairs(path, responder_pairs_from_db())


def measure(name: str, options: dict, pairs: list, steps: int, base_cache_dir: str) -> dict:
    import torch

    from training.ml.responder import ResponderConfig, train

    reports, cpu = [], []

    def report(progress: object) -> None:
        if progress.phase == "train":
            reports.append(progress)
            cpu.append(time.process_time())

    config = ResponderConfig(base_cache_dir=base_cache_dir, max_steps=steps, batch_size=4, grad_accum=2,
                             max_reply_tokens=96, held_out_fraction=0.0, progress_every=1, device="cpu",
                             warmup_ratio=0.0, **options)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        result = train(pairs, Path(scratch) / "artifact", config, progress=report)
    total = time.perf_counter() - started
    elapsed = [r.elapsed_seconds for r in reports]
    per_step = [b - a for a, b in zip([0.0, *elapsed], elapsed, strict=False)]
    # CPU seconds of this process per step (all its threads): less sensitive than wall time to other
    # jobs on a shared machine, though contention still inflates it somewhat.
    cpu_step = [b - a for a, b in itertools.pairwise(cpu)]
    return {
        "config": name, "options": options, "steps": steps, "sequences_per_step": 8,
        "step_seconds": [round(x, 2) for x in per_step],
        "median_step_seconds_after_first": round(statistics.median(per_step[1:] or per_step), 2),
        "cpu_seconds_per_step_after_first": [round(x, 2) for x in cpu_step],
        "median_cpu_seconds_per_step": round(statistics.median(cpu_step), 2) if cpu_step else None,
        "train_tokens_per_second": result.metrics["train_tokens_per_second"],
        "wall_seconds_total": round(total, 1),
        "overhead_seconds": round(total - sum(per_step), 1),  # base load, encoding, merge and save
        "loss_per_step": result.metrics["loss_per_step"], "torch_threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, default=Path("var/bench/demo_pairs.jsonl"))
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--base-cache-dir", default="var/models/base")
    parser.add_argument("--note", default="", help="Machine and load, recorded with the figures.")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.pairs.exists():
        pairs_from_db(args.pairs)
    from training.ml.responder import read_pairs

    pairs = read_pairs(args.pairs)
    rows = []
    for name in args.configs.split(","):
        row = measure(name, CONFIGS[name], pairs, args.steps, args.base_cache_dir)
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("config", "step_seconds", "median_step_seconds_after_first",
                                              "median_cpu_seconds_per_step", "overhead_seconds")}), flush=True)
    report = {"command": "python -m bench.responder.levers " + " ".join(argv or os.sys.argv[1:]),
              "n_pairs": len(pairs), "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                                 "load_average_at_end": os.getloadavg()},
              "note": args.note, "results": rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
