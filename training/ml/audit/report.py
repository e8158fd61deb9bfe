"""Run a whole audit: variants, predictions, statistics, measures, verdict, summary, files.

    report = run_audit(messages=[(text, label), ...], predict=classifier.predict, reply=None,
                       pii_detector=None, handoff_labels={"human_agent"}, config=AuditConfig(),
                       out_dir=Path("audit-7"), subject={"kind": "intent", "version": 3})

``predict`` maps texts to predictions with ``intent``, ``confidence`` and ``is_oos`` (the intent
package's Prediction). None means the classifier is not part of this audit (its sections say
why, in ``intent_reason``); an empty ``messages`` means there is no evaluation data, which is
reported as insufficient, never as a pass. The same holds for ``reply`` and the responder.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from training.ml.audit import groups as group_stats
from training.ml.audit import invariance, responder
from training.ml.audit.config import (
    GROUPINGS,
    INSUFFICIENT,
    NOT_MEASURED,
    RESPONDER_FAMILIES,
    RESPONDER_GROUPINGS,
    RESPONDER_MEASURES,
    AuditConfig,
)
from training.ml.audit.perturb import Variant, build_variants, pii_prompts
from training.ml.audit.plots import render_plots
from training.ml.audit.summary import CHECKLIST_CONTEXT, family_words, metric_words, summary_text, verdict

FORMAT_VERSION = 1
REPORT_FILE = "report.json"
CASES_FILE = "cases.jsonl"
REPLIES_FILE = "replies.jsonl"
GROUPING_WORDS = {"name_gender": "Names by gender", "name_origin": "Names by origin", "pronoun": "Pronouns",
                  "nationality": "Nationalities", "religion": "Religions", "age": "Ages"}
NO_EVALUATION_DATA = "no evaluation data: the version has no held-out messages to perturb"


def sample_messages(messages: Sequence[tuple[str, str]], config: AuditConfig) -> list[tuple[str, str]]:
    unique = list(dict.fromkeys((t.strip(), label) for t, label in messages if t and t.strip()))
    if len(unique) <= config.max_messages:
        return unique
    return random.Random(config.seed).sample(unique, config.max_messages)


def score_variants(variants: Sequence[Variant], predict: Callable[[list[str]], list]) -> list[invariance.Scored]:
    texts = list(dict.fromkeys(v.text for v in variants))
    predictions = predict(texts) if texts else []
    by_text = {t: invariance.Scored("oos" if p.is_oos else p.intent, float(p.confidence))
               for t, p in zip(texts, predictions, strict=True)}
    return [by_text[v.text] for v in variants]


def _limit_text(limit: float | None, *, share: bool, word: str = "at most") -> str:
    if limit is None:
        return ""
    return f"a limit of {word} {100 * limit:.1f}%" if share else f"a limit of {word} {limit:g}"


def _difference_limit(limit: float, *, share: bool) -> str:
    return f"a largest difference of at most {100 * limit:.1f} points" if share else f"a largest difference of at most {limit:g}"


def _intent_sections(messages: list[tuple[str, str]], predict: Any, handoff_labels: Collection[str], config: AuditConfig,
                     reason: str) -> tuple[dict, dict, list[dict], list[dict]]:
    if predict is None or not messages:
        status, why = (NOT_MEASURED, reason) if predict is None else (INSUFFICIENT, NO_EVALUATION_DATA)
        stub = {"status": status, "reason": why}
        measures = [{"id": f"counterfactual.{f}", "section": "counterfactual", "title": f"Counterfactual {family_words(f)}",
                     "outcome": status, "reason": why} for f in config.families]
        measures += [{"id": f"groups.{g}", "section": "groups", "title": GROUPING_WORDS[g], "outcome": status, "reason": why}
                     for g, (family, _) in GROUPINGS.items() if family in config.families]
        return stub, dict(stub), measures, []
    variants = build_variants(messages, config.families, seed=config.seed, templates_per_message=config.templates_per_message)
    scores = score_variants(variants, predict)
    cases = [{**v.to_dict(), "predicted": s.label, "confidence": round(s.confidence, 6)}
             for v, s in zip(variants, scores, strict=True)]
    counterfactual: dict = {"status": "measured", "families": {}}
    measures: list[dict] = []
    for family in config.families:
        body = invariance.family_invariance(variants, scores, family=family, config=config)
        counterfactual["families"][family] = body
        for name, outcome in body["outcomes"].items():
            share = name == "flip_rate"
            measures.append({"id": f"counterfactual.{family}.{name}", "section": "counterfactual",
                             "title": f"Counterfactual {family_words(family)}: {metric_words(name)}", "n": body["n_pairs"],
                             "unit": "share" if share else "number", "limit_text": _limit_text(outcome["limit"], share=share),
                             **outcome})
    grouped: dict = {"status": "measured", "groupings": {}}
    for grouping, (family, attribute) in GROUPINGS.items():
        if family not in config.families:
            continue
        tagged = [(v, s) for v, s in zip(variants, scores, strict=True) if v.family == family and attribute in v.attributes]
        body = group_stats.group_performance([v.label for v, _ in tagged], [s.label for _, s in tagged],
                                             [v.attributes[attribute] for v, _ in tagged], handoff_labels=handoff_labels,
                                             config=config)
        grouped["groupings"][grouping] = {"family": family, "attribute": attribute, **body}
        for metric, entry in body["metrics"].items():
            limits = [_difference_limit(entry["max_difference"], share=True)] if entry.get("max_difference") is not None else []
            limits += [f"a smallest ratio of at least {entry['min_ratio']:g}"] if entry.get("min_ratio") is not None else []
            measures.append({"id": f"groups.{grouping}.{metric}", "section": "groups", "n": len(tagged),
                             "title": f"{GROUPING_WORDS[grouping]}: largest {metric_words(metric)} difference between groups",
                             "unit": "share", "value": entry.get("difference"), "limit_text": " and ".join(limits),
                             "outcome": entry["outcome"], **({"reason": entry["reason"]} if "reason" in entry else {})})
    return counterfactual, grouped, measures, cases


def _responder_sections(messages: list[tuple[str, str]], reply: responder.ReplyFn | None,
                        detector: responder.PiiDetector | None, config: AuditConfig,
                        reason: str) -> tuple[dict, dict, list[dict], list[dict]]:
    if reply is None or not messages:
        status, why = (NOT_MEASURED, reason) if reply is None else (INSUFFICIENT, NO_EVALUATION_DATA)
        measures = [{"id": f"responder.{g}", "section": "responder", "title": f"Responder, {GROUPING_WORDS[g].lower()}",
                     "outcome": status, "reason": why} for g in RESPONDER_GROUPINGS]
        measures.append({"id": "pii.leak_rate", "section": "pii", "title": "Personal data in replies", "outcome": status,
                         "reason": why})
        return {"status": status, "reason": why}, {"status": status, "reason": why}, measures, []
    base = messages[: config.responder_max_prompts]
    families = [f for f in RESPONDER_FAMILIES if f in config.families]
    variants = build_variants(base, families, seed=config.seed, templates_per_message=1)
    sentiment = responder.vader_compound()
    replies = [reply(v.text) for v in variants]
    features = [responder.reply_features(text, handed_off, sentiment) for text, handed_off in replies]
    section: dict = {"status": "measured", "n_prompts": len(variants), "n_base_messages": len(base), "groupings": {}}
    measures: list[dict] = []
    for grouping in RESPONDER_GROUPINGS:
        family, attribute = GROUPINGS[grouping]
        if family not in families:
            continue
        subset = [i for i, v in enumerate(variants) if v.family == family]
        body = responder.responder_disparity([variants[i] for i in subset], [features[i] for i in subset],
                                             attribute=attribute, config=config)
        section["groupings"][grouping] = body
        for measure in RESPONDER_MEASURES:
            entry = body["measures"][measure]
            length = measure == "reply_length"
            value = entry.get("ratio") if length else entry.get("difference")
            limit = (f"a smallest ratio of at least {config.responder_min_length_ratio:g}" if length else
                     _difference_limit(config.responder_max_difference[measure], share=measure != "sentiment"))
            extra = {"reason": entry["reason"]} if "reason" in entry else (
                {"reason": f"p = {entry['p_value']:.4f}"} if "p_value" in entry else {})
            measures.append({"id": f"responder.{grouping}.{measure}", "section": "responder", "n": body["n_blocks"],
                             "title": f"Responder, {GROUPING_WORDS[grouping].lower()}: {metric_words(measure)}"
                                      + (" ratio between groups" if length else " difference between groups"),
                             "unit": "number" if (length or measure == "sentiment") else "share", "value": value,
                             "limit_text": limit, "outcome": entry["outcome"], **extra})
    rows = [{**v.to_dict(), "reply": text, "handed_off": handed_off, **f}
            for v, (text, handed_off), f in zip(variants, replies, features, strict=True)]
    if detector is None:
        pii = {"status": NOT_MEASURED, "reason": "no PII detector was given"}
        measures.append({"id": "pii.leak_rate", "section": "pii", "title": "Personal data in replies", "outcome": NOT_MEASURED,
                         "reason": pii["reason"]})
        return section, pii, measures, rows
    prompts = pii_prompts([t for t, _ in base], config.pii_prompts, seed=config.seed)
    pii_replies = [reply(text)[0] for text, _ in prompts]
    all_replies = [text for text, _ in replies] + pii_replies
    planted = [[] for _ in replies] + [values for _, values in prompts]
    pii = {"status": "measured", **responder.pii_leaks(all_replies, detector, planted=planted, config=config)}
    measures.append({"id": "pii.leak_rate", "section": "pii", "title": "Personal data in replies: share of replies with any",
                     "n": pii["n_replies"], "unit": "share", "value": pii["leak_rate"], "outcome": pii["outcome"],
                     "limit_text": _limit_text(config.pii_leak_rate_max, share=True),
                     **({"reason": pii["reason"]} if "reason" in pii else {})})
    rows += [{"family": "pii", "text": text, "reply": r} for (text, _), r in zip(prompts, pii_replies, strict=True)]
    return section, pii, measures, rows


def run_audit(
    *, messages: Sequence[tuple[str, str]], predict: Callable[[list[str]], list] | None, reply: responder.ReplyFn | None,
    pii_detector: responder.PiiDetector | None, handoff_labels: Collection[str], config: AuditConfig, out_dir: str | Path,
    subject: dict[str, Any], intent_reason: str = "not part of this audit", responder_reason: str = "no responder version",
) -> dict[str, Any]:
    """Measure everything, write report.json, cases.jsonl, replies.jsonl and the plots; return the report."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chosen = sample_messages(messages, config)
    counterfactual, grouped, measures, cases = _intent_sections(chosen, predict, handoff_labels, config, intent_reason)
    responder_section, pii, more, rows = _responder_sections(chosen, reply, pii_detector, config, responder_reason)
    measures += more
    report: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "kind": "bias-audit",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "subject": subject,
        "config": config.to_dict(),
        "context": CHECKLIST_CONTEXT,
        "data": {"n_messages_given": len(messages), "n_messages_used": len(chosen), "n_variants": len(cases),
                 "n_replies": len(rows)},
        "counterfactual": counterfactual,
        "groups": grouped,
        "responder": responder_section,
        "pii": pii,
        "measures": measures,
    }
    report["verdict"] = verdict(measures)
    report["passed"] = {"pass": True, "fail": False}.get(report["verdict"])
    report["summary"] = summary_text(report)
    report["plots"] = render_plots(report, out)
    _write_jsonl(out / CASES_FILE, cases)
    _write_jsonl(out / REPLIES_FILE, rows)
    (out / REPORT_FILE).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
