"""Writing a report file whole or not at all, and its one-line summary."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

SUMMARY_KEYS = ("answer_accuracy", "citation_accuracy", "unsupported_sentence_rate", "handoff_recall", "human_recall",
                "false_handoff_rate", "ttft_ms_p50", "ttft_ms_p95")


def report_write(report: dict[str, Any], path: str | Path) -> Path:
    """Write ``report`` as JSON to ``path`` atomically (a half-written report never appears)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def report_summary(report: dict[str, Any]) -> str:
    def shown(value: Any) -> str:
        return "n/a" if value is None else (f"{value:.4f}" if isinstance(value, float) and value <= 1 else f"{value}")

    return f"n={report['n']}: " + ", ".join(f"{key} {shown(report.get(key))}" for key in SUMMARY_KEYS)
