"""Precision and recall of the offline grounding checker on the hand-labelled sentences ("unsupported" positive).

    .venv/bin/python bench/answers/checker_validation.py --out bench/results/answers_checker_validation.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from training.ml.evaluation.checker import check_offline, validate

LABELS = ROOT / "training" / "evaluation" / "data" / "grounding_labels.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = validate([(r["sentence"], r["passages"], r["supported"]) for r in rows])
    errors = []
    for r in rows:
        check = check_offline(r["sentence"], r["passages"])
        if (check.supported is False) == r["supported"]:
            errors.append({"id": r["id"], "sentence": r["sentence"], "labelled_supported": r["supported"],
                           "checker_reasons": list(check.reasons), "note": r["note"]})
    out = {"data": str(LABELS.relative_to(ROOT)), "n": result.n, "unsupported": result.unsupported, "flagged": result.flagged,
           "true_positives": result.true_positives, "precision": round(result.precision, 4), "recall": round(result.recall, 4),
           "first_version_before_looking_at_errors": {"precision": 0.8667, "recall": 0.9455, "flagged": 60, "true_positives": 52},
           "errors": errors}
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: out[k] for k in ("n", "unsupported", "flagged", "precision", "recall")}))


if __name__ == "__main__":
    main()
