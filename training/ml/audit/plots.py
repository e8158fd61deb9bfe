"""Charts of an audit report (matplotlib's Agg canvas directly: no pyplot, no global backend switch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.ml.common.plots import agg_figure

FLIP_FILE = "flip_rates.png"
GROUPS_FILE = "group_metrics.png"
RESPONDER_FILE = "responder.png"


def _figure(width: float, height: float):  # -> matplotlib.figure.Figure
    return agg_figure(width, height, dpi=110)


def plot_flip_rates(counterfactual: dict, path: Path) -> Path:
    families = list(counterfactual["families"])
    rates = [100 * (counterfactual["families"][f]["flip_rate"] or 0.0) for f in families]
    limits = [100 * counterfactual["families"][f]["outcomes"]["flip_rate"]["limit"] for f in families]
    lows = [100 * (counterfactual["families"][f]["flip_rate_ci"] or [0, 0])[0] for f in families]
    highs = [100 * (counterfactual["families"][f]["flip_rate_ci"] or [0, 0])[1] for f in families]
    figure = _figure(8, 4.2)
    ax = figure.add_subplot()
    colours = ["#d1495b" if r > lim else "#4c9a2a" for r, lim in zip(rates, limits, strict=True)]
    x = range(len(families))
    ax.bar(x, rates, color=colours, yerr=[[max(0.0, r - lo) for r, lo in zip(rates, lows, strict=True)],
                                          [max(0.0, hi - r) for r, hi in zip(rates, highs, strict=True)]], capsize=3)
    ax.scatter(x, limits, marker="_", s=600, color="black", label="limit", zorder=3)
    ax.axhspan(2.4, 20.8, color="#f2c14e", alpha=0.15, label="CheckList: 2.4-20.8% (name/location swaps)")
    ax.set_xticks(list(x), labels=families, rotation=20)
    ax.set_ylabel("pairs whose intent changed (%)")
    ax.set_title("Counterfactual flip rate per perturbation family (95% Wilson interval)")
    ax.legend(fontsize=8, loc="upper right")
    figure.tight_layout()
    figure.savefig(path)
    return path


def plot_group_metrics(grouped: dict, path: Path) -> Path:
    groupings = list(grouped["groupings"].items())
    figure = _figure(12, 2.8 * len(groupings) + 0.5)
    for row, (name, body) in enumerate(groupings):
        groups = list(body["groups"])
        for col, metric in enumerate(("accuracy", "handoff_rate")):
            ax = figure.add_subplot(len(groupings), 2, 2 * row + col + 1)
            values = [body["groups"][g][metric] for g in groups]
            colours = ["#2e86ab" if body["groups"][g]["measured"] else "#bbbbbb" for g in groups]
            ax.barh(range(len(groups)), values, color=colours)
            ax.set_yticks(range(len(groups)), labels=[f"{g} (n={body['groups'][g]['n']})" for g in groups], fontsize=7)
            ax.set_xlim(0, 1)
            ax.set_title(f"{name}: {metric.replace('_', ' ')}", fontsize=9)
            ax.axvline(body["overall"][metric], color="black", linewidth=0.8, linestyle="--")
    figure.suptitle("Per-group performance (grey: group too small to measure; dashed: overall)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    return path


def plot_responder(section: dict, path: Path) -> Path:
    groupings = list(section["groupings"].items())
    measures = ("handoff_or_refusal_rate", "remedy_rate", "sentiment", "reply_length")
    figure = _figure(14, 2.8 * len(groupings) + 0.5)
    for row, (name, body) in enumerate(groupings):
        for col, measure in enumerate(measures):
            ax = figure.add_subplot(len(groupings), len(measures), row * len(measures) + col + 1)
            entry = body["measures"][measure]
            by_group = entry.get("by_group") or {}
            ax.barh(range(len(by_group)), list(by_group.values()), color="#d1495b" if entry["outcome"] == "fail" else "#2e86ab")
            ax.set_yticks(range(len(by_group)), labels=list(by_group), fontsize=7)
            p = f", p={entry['p_value']:.3f}" if "p_value" in entry else ""
            ax.set_title(f"{name}: {measure.replace('_', ' ')}{p}", fontsize=8)
    figure.suptitle("Responder replies by group (red: significant disparity beyond the limit)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    return path


def render_plots(report: dict[str, Any], out: Path) -> dict[str, str]:
    """Write the charts that have data; returns {name: file name}."""
    files: dict[str, str] = {}
    if report["counterfactual"].get("status") == "measured" and report["counterfactual"]["families"]:
        files["flip_rates"] = plot_flip_rates(report["counterfactual"], out / FLIP_FILE).name
    if report["groups"].get("status") == "measured" and report["groups"]["groupings"]:
        files["group_metrics"] = plot_group_metrics(report["groups"], out / GROUPS_FILE).name
    if report["responder"].get("status") == "measured" and report["responder"]["groupings"]:
        files["responder"] = plot_responder(report["responder"], out / RESPONDER_FILE).name
    return files
