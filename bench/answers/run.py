"""evaluate_bot figures for docs/benchmarks.md: one tier on one split, repeated for the timing medians.

    CHATBOT_VAR_DIR=... .venv/bin/python bench/answers/run.py --tier extractive --runs 3 \
        --data training/evaluation/data/answers_test.jsonl --out bench/results/answers_test_extractive.json

Writes the first run's full evaluate_bot report under "report" and, for every run, its figures; the TTFT
figures reported are the medians over the runs (the quality figures are the same in every run: the
pipeline is deterministic).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "training/evaluation/data/answers_test.jsonl"))
    parser.add_argument("--tier", choices=["extractive", "generative"])
    parser.add_argument("--responder-version", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="", help="What is measured, e.g. 'generative, fine-tuned v3'.")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from training.models import ModelVersion

    runs = []
    first = None
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            report_path = Path(tmp) / "report.json"
            started = time.perf_counter()
            options = {"data": args.data, "report": str(report_path), "tier": args.tier}
            if args.responder_version is not None:
                options["responder_version"] = args.responder_version
            call_command("evaluate_bot", **options)
            report = json.loads(report_path.read_text())
        runs.append({**{k: v for k, v in report.items() if k != "items"}, "wall_s": round(time.perf_counter() - started, 1)})
        first = first or report
    active = {v.kind: {"version": v.version, "base_model": v.base_model, "metrics_serves_answers": (v.metrics or {}).get("serves_answers")}
              for v in ModelVersion.objects.filter(is_active=True)}
    summary = {k: v for k, v in runs[0].items() if k not in ("ttft_ms_p50", "ttft_ms_p95", "wall_s")}
    for key in ("ttft_ms_p50", "ttft_ms_p95"):
        values = [r[key] for r in runs if r[key] is not None]
        summary[key] = round(statistics.median(values), 2) if values else None
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    changed = subprocess.run([*git, "diff", "--name-only", "HEAD", "--", "training", "conversations", "chatbot"],
                             check=True, capture_output=True, text=True).stdout.split()
    out = {"label": args.label, "commit": commit, "uncommitted_code_changes": changed, "tier": args.tier, "responder_version": args.responder_version, "data": os.path.relpath(args.data, ROOT),
           "runs": len(runs), "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, shared with other sessions' jobs",
           "active_versions": active, "summary": summary, "per_run": runs, "report": first}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
