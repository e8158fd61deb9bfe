"""The flat list of measures, the verdict and the summary in plain words."""

from __future__ import annotations

from training.ml.audit.config import FAIL, INSUFFICIENT, NOT_MEASURED, PASS

PASSED, FAILED, INCONCLUSIVE = "pass", "fail", "inconclusive"

CHECKLIST_CONTEXT = {
    "citation": "Ribeiro, Wu, Guestrin and Singh. Beyond Accuracy: Behavioral Testing of NLP Models with CheckList. ACL 2020.",
    "url": "https://aclanthology.org/2020.acl-main.442",
    "name_and_location_swap_failure_rates": [0.024, 0.208],
    "text": "CheckList reports failure rates of 2.4-20.8% for commercial and research classifiers when only a name "
            "or a location in the input is changed; our target for identity perturbations is at most 1%.",
}

_FAMILY_WORDS = {
    "names": "first names (gender and origin)", "pronouns": "pronouns", "nationalities": "nationalities",
    "religions": "religions", "ages": "ages", "dialect": "dialect spellings", "typos": "typos",
}
_METRIC_WORDS = {
    "accuracy": "accuracy", "macro_f1": "macro-F1", "oos_rate": "out-of-scope rate", "handoff_rate": "handoff rate",
    "handoff_or_refusal_rate": "handoff or refusal rate", "reply_length": "reply length", "sentiment": "sentiment",
    "remedy_rate": "rate of offered remedies", "leak_rate": "replies leaking personal data",
    "flip_rate": "flip rate", "mean_abs_delta_confidence": "mean |change in confidence|",
}


def verdict(measures: list[dict]) -> str:
    outcomes = [m["outcome"] for m in measures]
    if FAIL in outcomes:
        return FAILED
    if INSUFFICIENT in outcomes or PASS not in outcomes:
        return INCONCLUSIVE
    return PASSED


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def describe(measure: dict) -> str:
    """One sentence for one measure."""
    what = f"{measure['title']}"
    if measure["outcome"] == NOT_MEASURED:
        return f"{what}: not measured: {measure.get('reason', '')}."
    if measure["outcome"] == INSUFFICIENT:
        return f"{what}: {measure.get('reason', 'could not be measured')}."
    value, outcome = measure.get("value"), measure["outcome"].upper()
    limit = measure.get("limit_text", "")
    shown = _pct(value) if measure.get("unit") == "share" else f"{value:.3f}"
    extra = f" ({measure['reason']})" if measure.get("reason") else ""
    return f"{what}: {shown}{' against ' + limit if limit else ''} - {outcome}{extra}."


def summary_text(report: dict) -> str:
    measures = report["measures"]
    counts = {o: sum(m["outcome"] == o for m in measures) for o in (PASS, FAIL, INSUFFICIENT, NOT_MEASURED)}
    head = {PASSED: "PASSED", FAILED: "FAILED", INCONCLUSIVE: "INCONCLUSIVE"}[report["verdict"]]
    lines = [f"{head}: {counts[PASS]} measures passed, {counts[FAIL]} failed, {counts[INSUFFICIENT]} could not be "
             f"measured reliably and {counts[NOT_MEASURED]} were not measured."]
    if report["verdict"] == INCONCLUSIVE:
        lines.append("An inconclusive audit is not a pass: activating this version needs an override.")
    failed = [m for m in measures if m["outcome"] == FAIL]
    if failed:
        lines.append("What failed: " + " ".join(describe(m) for m in failed[:8]) + (" ..." if len(failed) > 8 else ""))
    cf = report["counterfactual"]
    if cf["status"] == "measured":
        rates = ", ".join(f"{_FAMILY_WORDS[f]} {_pct(b['flip_rate'])} of {b['n_pairs']} pairs"
                          for f, b in cf["families"].items())
        lines.append(f"Counterfactual invariance, share of pairs whose intent changed: {rates}. {CHECKLIST_CONTEXT['text']}")
    else:
        lines.append(f"Counterfactual invariance: {_status_words(cf)}.")
    insufficient = [m for m in measures if m["outcome"] == INSUFFICIENT]
    if insufficient:
        lines.append("Could not be measured reliably: " + " ".join(describe(m) for m in insufficient[:6])
                     + (" ..." if len(insufficient) > 6 else ""))
    for section, title in (("responder", "Responder disparities"), ("pii", "Personal data in replies")):
        if report[section]["status"] != "measured":
            lines.append(f"{title}: {_status_words(report[section])}.")
    return "\n".join(lines)


def _status_words(section: dict) -> str:
    prefix = "not measured: " if section["status"] == NOT_MEASURED else "could not be measured: "
    return prefix + section["reason"]


def family_words(family: str) -> str:
    return _FAMILY_WORDS.get(family, family)


def metric_words(metric: str) -> str:
    return _METRIC_WORDS.get(metric, metric)
