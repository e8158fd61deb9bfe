"""Mean and spread of Banking77 runs over seeds (the JSON files bench.intent.banking77 --json wrote).

    .venv/bin/python -m bench.intent.seeds_summary bench/results/intent/banking77_final_seed*.json \
        --json bench/results/intent/banking77_final_summary.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path


def summarise(runs: list[dict]) -> dict:
    out: dict = {"n_runs": len(runs), "seeds": [r["config"]["seed"] for r in runs]}
    for key in ("test", "test_onnx_fp32", "test_onnx_int8"):
        values = [r[key]["accuracy"] for r in runs if key in r]
        if values:
            out[key] = {"mean": statistics.mean(values), "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
                        "min": min(values), "max": max(values), "values": values}
    out["served_variant"] = [r["onnx"]["selected"] for r in runs if r.get("onnx")]
    for key in ("train_loop_seconds", "train_wall_seconds"):
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = {"median": statistics.median(values), "values": values}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    summary = {"files": args.runs, **summarise([json.loads(Path(p).read_text()) for p in args.runs])}
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
