"""Plots of an EvaluationReport (matplotlib's Agg canvas directly: no pyplot, no global backend switch)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from training.ml.common.plots import agg_figure
from training.ml.intent.evaluate import EvaluationReport

CONFUSION_FILE = "confusion_matrix.png"
HISTOGRAM_FILE = "confidence_histogram.png"


def _figure(width: float, height: float):  # -> matplotlib.figure.Figure
    return agg_figure(width, height, dpi=120)


def plot_confusion_matrix(report: EvaluationReport, path: Path) -> Path:
    labels = report.labels
    matrix = np.asarray(report.confusion_matrix, dtype=np.float64)
    # Colour = share of each true label's rows, so rare and frequent intents read alike.
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    n = len(labels)
    size = min(24.0, max(5.0, 0.28 * n + 3))
    figure = _figure(size, size)
    ax = figure.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    font = 8 if n <= 30 else max(3, int(300 / n))
    ax.set_xticks(range(n), labels=labels, rotation=90, fontsize=font)
    ax.set_yticks(range(n), labels=labels, fontsize=font)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix (accuracy {report.accuracy:.3f}, n={report.n_examples})")
    if n <= 20:
        for i in range(n):
            for j in range(n):
                if matrix[i, j]:
                    colour = "white" if shares[i, j] > 0.5 else "black"
                    ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=7, color=colour)
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true label's rows")
    figure.tight_layout()
    figure.savefig(path)
    return path


def plot_confidence_histogram(report: EvaluationReport, path: Path) -> Path:
    edges = np.asarray(report.confidence_bins)
    centers, widths = (edges[:-1] + edges[1:]) / 2, np.diff(edges) * 0.9
    figure = _figure(7, 4.5)
    ax = figure.add_subplot()
    ax.bar(centers, report.confidence_correct, width=widths, label="correct", color="#4c9a2a")
    ax.bar(
        centers, report.confidence_incorrect, width=widths, bottom=report.confidence_correct, label="wrong", color="#d1495b"
    )
    threshold = report.extra.get("threshold")
    if isinstance(threshold, int | float):
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label=f"oos threshold {threshold:.2f}")
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence (calibrated probability of the top label)")
    ax.set_ylabel("messages")
    ax.set_title("Confidence of predictions")
    ax.legend()
    figure.tight_layout()
    figure.savefig(path)
    return path


def render_plots(report: EvaluationReport, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write confusion_matrix.png and confidence_histogram.png into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "confusion_matrix": plot_confusion_matrix(report, out / CONFUSION_FILE),
        "confidence_histogram": plot_confidence_histogram(report, out / HISTOGRAM_FILE),
    }
