"""The demo responder fine-tune as `rundemo` queues it, timed end to end: pairs from the active index,
LoRA training, held-out perplexity before and after, evaluation, registration and activation.

Run it on a prepared demo (its run-time folder from the environment), in the foreground:

    CHATBOT_VAR_DIR=/tmp/demo-fresh .venv/bin/python -m bench.responder.demo_run \\
        --output bench/results/demo_responder_run.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.local")
os.environ.setdefault("AUDIT_GATE_ENABLED", "false")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parameters", default="", help="JSON overriding DEMO_RESPONDER_PARAMETERS.")
    parser.add_argument("--note", default="", help="Machine and load, recorded with the figures.")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from training.registry.runs import StartTraining, run_execute
    from training.responder.job import DEMO_RESPONDER_PARAMETERS

    parameters = DEMO_RESPONDER_PARAMETERS | (json.loads(args.parameters) if args.parameters else {})
    stages: dict[str, float] = {}
    started = time.perf_counter()

    def echo(progress: object) -> None:
        stages.setdefault(f"first_{progress.phase}_report", round(time.perf_counter() - started, 1))
        if progress.phase == "train":
            stages["last_train_report"] = round(time.perf_counter() - started, 1)

    run = StartTraining(user=None, kind="responder", parameters=parameters).execute(enqueue=False)
    version = run_execute(run_id=run.pk, echo=echo)
    total = time.perf_counter() - started
    run.refresh_from_db()
    if version is None:
        print(f"run {run.pk} failed: {run.error}", file=sys.stderr)
        return 1
    m = version.metrics
    report = {
        "command": "python -m bench.responder.demo_run " + " ".join(argv or sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_at_end": os.getloadavg()},
        "note": args.note, "parameters": parameters, "wall_seconds": round(total, 1), "stages_seconds": stages,
        "version": version.version, "active": version.is_active,
        "train_seconds": m["train_seconds"], "steps": m["steps"], "epochs_seen": m["epochs_seen"],
        "train_tokens_per_second": m["train_tokens_per_second"],
        "held_out_perplexity_before": m["held_out_perplexity_before"],
        "held_out_perplexity_after": m["held_out_perplexity_after"],
        "loss_per_step": m["loss_per_step"], "evaluation": m["evaluation"], "pairs_by_source": m["pairs_by_source"],
        "pairs_grounding": m["pairs_grounding"], "examples": m["examples"][:4],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("wall_seconds", "train_seconds", "held_out_perplexity_before",
                                             "held_out_perplexity_after")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
