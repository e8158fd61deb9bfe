"""Training-speed levers of the intent fine-tune, measured step by step on Banking77 batches.

Each variant builds a fresh model from the base encoder and runs the same number of real
optimisation steps (forward, backward, AdamW) on batches drawn the same way training draws them;
the figure is the median CPU seconds of the training thread per step (one torch thread, so other
sessions' load does not count) after two warm-up steps, beside wall seconds and padded tokens per step.

    nice -n 10 .venv/bin/python -m bench.intent.speed --steps 20 --json bench/results/intent/speed_levers.json
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

from bench.intent.common import machine  # noqa: E402
from training.ml.intent import IntentTrainingConfig, load_csv  # noqa: E402
from training.ml.intent.model import build_model, load_base  # noqa: E402
from training.ml.intent.train import _batches, _collate, _freeze_lower_layers, _optimizer  # noqa: E402

DATA_DIR = Path(os.environ.get("BANKING77_DIR", "/work/shared/data/banking77"))

VARIANTS = {
    "static padding to 64 (no dynamic padding)": {"max_length": 64, "pad_to": 64},
    "dynamic padding, max_length 64 (today)": {"max_length": 64},
    "dynamic padding + length bucketing": {"max_length": 64, "length_bucketing": True},
    "bucketing + max_length 32": {"max_length": 32, "length_bucketing": True},
    "bucketing + max_length 32 + freeze embeddings and 2 layers": {"max_length": 32, "length_bucketing": True,
                                                                   "freeze_layers": 2},
    "bucketing + max_length 32 + freeze embeddings and 4 layers": {"max_length": 32, "length_bucketing": True,
                                                                   "freeze_layers": 4},
}


def _variant(name: str, options: dict, texts: list[str], labels: list[int], n_labels: int, steps: int) -> dict:
    import torch

    pad_to = options.pop("pad_to", None)
    config = IntentTrainingConfig(**options)
    tokenizer, encoder, _ = load_base(None)
    torch.manual_seed(0)
    model = build_model(encoder, n_labels, "mean", 0.1)
    frozen = _freeze_lower_layers(model.encoder, config.freeze_layers)
    optimizer = _optimizer(model, config)
    ids = tokenizer(texts, truncation=True, max_length=config.max_length)["input_ids"]
    truncated = sum(len(x) >= config.max_length for x in ids) / len(ids)
    lengths = [len(x) for x in ids]
    y = torch.tensor(labels)
    generator = torch.Generator().manual_seed(0)
    batches = _batches(lengths, config.batch_size, generator, bucketing=config.length_bucketing)[: steps + 2]
    loss_fn = torch.nn.CrossEntropyLoss()
    times, cpu_times, tokens = [], [], []
    model.train()
    for batch in batches:
        rows = [ids[i] for i in batch]
        if pad_to:
            rows = [r + [tokenizer.pad_token_id] * (pad_to - len(r)) for r in rows]
        input_ids, mask = _collate(rows, tokenizer.pad_token_id, "cpu")
        if pad_to:
            mask = (input_ids != tokenizer.pad_token_id).long()
        started, cpu_started = time.perf_counter(), time.thread_time()
        loss = loss_fn(model(input_ids, mask), y[torch.tensor(batch)])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - started)
        cpu_times.append(time.thread_time() - cpu_started)
        tokens.append(int(input_ids.numel()))
    per_step = statistics.median(times[2:])
    return {"variant": name, "options": {**options, **({"pad_to": pad_to} if pad_to else {})},
            "seconds_per_step_median": round(per_step, 4),
            "cpu_seconds_per_step_median": round(statistics.median(cpu_times[2:]), 4),
            "padded_tokens_per_step": statistics.mean(tokens[2:]),
            "share_truncated": round(truncated, 4), "frozen_layers": frozen, "steps_timed": len(times) - 2,
            "load_avg": machine()["load_avg"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 1 keeps the CPU time per step honest on a crowded machine")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    examples = load_csv(DATA_DIR / "train.csv", label_column="category")
    names = sorted({ex.label for ex in examples})
    index = {n: i for i, n in enumerate(names)}
    texts, labels = [ex.text for ex in examples], [index[ex.label] for ex in examples]
    rows = []
    for name, options in VARIANTS.items():
        rows.append(_variant(name, dict(options), texts, labels, len(names), args.steps))
        print(json.dumps(rows[-1]), flush=True)
    base = rows[1]["cpu_seconds_per_step_median"]
    for row in rows:
        row["cpu_speed_up_vs_today"] = round(base / row["cpu_seconds_per_step_median"], 2)
    result = {"bench": "intent_speed_levers", "machine": machine(), "threads": args.threads, "rows": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
