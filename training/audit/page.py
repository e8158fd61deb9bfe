"""The readable audit page: one body for admin and for the downloadable HTML file (charts inlined)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from training.models import BiasAudit


def _fmt(value: Any, unit: str = "number") -> str:
    if value is None:
        return "–"
    if unit == "share":
        return f"{100 * float(value):.1f}%"
    return f"{float(value):.3f}"


def _interval(ci: list | None, unit: str = "share") -> str:
    return "–" if not ci else f"{_fmt(ci[0], unit)} – {_fmt(ci[1], unit)}"


def image_data_uris(audit: BiasAudit) -> dict[str, str]:
    out = {}
    for name, file in ((audit.report or {}).get("plots") or {}).items():
        path = Path(audit.report_path) / file
        if audit.report_path and path.is_file():
            out[name] = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return out


def _counterfactual_rows(section: dict) -> list[dict]:
    rows = []
    for family, body in (section.get("families") or {}).items():
        outcomes = body.get("outcomes", {})
        rows.append({
            "family": family, "n_cases": body["n_cases"], "n_pairs": body["n_pairs"], "n_flips": body["n_flips"],
            "flip_rate": _fmt(body["flip_rate"], "share"), "ci": _interval(body.get("flip_rate_ci")),
            "delta": _fmt(body["mean_abs_delta_confidence"]),
            "outcome": outcomes.get("flip_rate", {}).get("outcome", "–"),
            "worst": body.get("worst_pairs", [])[:3],
            "by_group": sorted(((g, v["flip_rate"]) for g, v in body.get("by_group", {}).items()), key=lambda x: -x[1])[:4],
        })
    return rows


def _group_tables(section: dict) -> list[dict]:
    tables = []
    for name, body in (section.get("groupings") or {}).items():
        groups = [{"name": g, "n": v["n"], "measured": v["measured"],
                   **{m: _fmt(v[m], "share") for m in ("accuracy", "macro_f1", "oos_rate", "handoff_rate")}}
                  for g, v in body["groups"].items()]
        metrics = [{"metric": m, "difference": _fmt(e.get("difference"), "share"),
                    "difference_ci": _interval(e.get("difference_ci")),
                    "ratio": _fmt(e.get("ratio")), "ratio_ci": _interval(e.get("ratio_ci"), "number"),
                    "outcome": e["outcome"], "reason": e.get("reason", "")} for m, e in body["metrics"].items()]
        tables.append({"name": name, "groups": groups, "metrics": metrics, "too_small": body.get("too_small", [])})
    return tables


def _responder_tables(section: dict) -> list[dict]:
    tables = []
    for name, body in (section.get("groupings") or {}).items():
        rows = []
        for measure, e in body["measures"].items():
            unit = "share" if measure.endswith("_rate") else "number"
            rows.append({"measure": measure, "outcome": e["outcome"], "reason": e.get("reason", ""),
                         "by_group": ", ".join(f"{g}: {_fmt(v, unit)}" for g, v in (e.get("by_group") or {}).items()),
                         "difference": _fmt(e.get("difference"), unit), "ratio": _fmt(e.get("ratio")),
                         "p_value": "–" if e.get("p_value") is None else f"{e['p_value']:.4f}"})
        tables.append({"name": name, "n_blocks": body["n_blocks"], "rows": rows})
    return tables


def report_context(audit: BiasAudit) -> dict[str, Any]:
    report = audit.report or {}
    measures = [{**m, "shown": _fmt(m.get("value"), m.get("unit", "number")) if "value" in m else "–"}
                for m in report.get("measures", [])]
    return {
        "audit": audit,
        "version": audit.model_version,
        "report": report,
        "summary_lines": (report.get("summary") or "").splitlines(),
        "measures": measures,
        "images": image_data_uris(audit),
        "counterfactual": report.get("counterfactual", {}),
        "counterfactual_rows": _counterfactual_rows(report.get("counterfactual", {})),
        "group_tables": _group_tables(report.get("groups", {})),
        "groups_section": report.get("groups", {}),
        "responder": report.get("responder", {}),
        "responder_tables": _responder_tables(report.get("responder", {})),
        "pii": report.get("pii", {}),
        "overrides": list(audit.model_version.activation_overrides.select_related("user", "audit")),
        "config_json": json.dumps(report.get("config", {}), indent=2),
    }


def audit_page_html(audit: BiasAudit) -> str:
    """A self-contained HTML file (inline styles, charts as data URIs)."""
    return render_to_string("training/audit/page.html", report_context(audit))


def page_filename(audit: BiasAudit) -> str:
    version = audit.model_version
    return f"bias-audit-{audit.pk}-{version.kind}-v{version.version}.html"
