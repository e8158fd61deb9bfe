"""Evaluation reports of intent versions: JSON, plots, on the validation split or any CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.ml.intent import evaluate, load_classifier, render_plots
from training.ml.intent.artifact import VALIDATION_FILE, read_examples
from training.ml.intent.plots import CONFUSION_FILE, HISTOGRAM_FILE

REPORT_DIR = "evaluation"
REPORT_FILE = "report.json"


def evaluation_write(artifact_dir: Path, *, examples: list[Any] | None = None, out_dir: Path | None = None) -> dict[str, Any]:
    """Evaluate the served form of an artifact (validation split by default); write report.json and the plots."""
    classifier = load_classifier(artifact_dir)
    data = examples if examples is not None else read_examples(artifact_dir / VALIDATION_FILE)
    report = evaluate(classifier, data)
    out = out_dir or artifact_dir / REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    body = report.to_json()
    (out / REPORT_FILE).write_text(json.dumps(body, indent=2))
    render_plots(report, out)
    summary = {k: body[k] for k in ("accuracy", "macro_f1", "in_scope_accuracy", "oos_recall", "n_examples") if k in body}
    return summary


def evaluation_report(artifact_dir: str | Path) -> dict[str, Any] | None:
    path = Path(artifact_dir) / REPORT_DIR / REPORT_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def evaluation_image(artifact_dir: str | Path, name: str) -> Path | None:
    files = {"confusion_matrix": CONFUSION_FILE, "confidence_histogram": HISTOGRAM_FILE}
    if name not in files:
        return None
    path = Path(artifact_dir) / REPORT_DIR / files[name]
    return path if path.is_file() else None
