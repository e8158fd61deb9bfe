"""Scoring one evaluation run: per-item verdicts and the report's top-level figures.

Definitions (docs/evaluation.md): an answer item is correct when its reply is not a hand-off, cites
the gold article and contains every fact (case-insensitive); citation_accuracy counts answer items
whose reply cites the gold article; unsupported_sentence_rate is over the sentences of every reply
that was shown (not hand-offs), by the offline checker; TTFT is over the replies the bot answered.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from training.ml.evaluation.checker import CheckerRules, check_reply
from training.ml.evaluation.dataset import EvalItem

REPORT_KEYS = ("n", "answer_accuracy", "citation_accuracy", "unsupported_sentence_rate", "handoff_recall", "human_recall",
               "false_handoff_rate", "ttft_ms_p50", "ttft_ms_p95", "items")


@dataclass(frozen=True)
class CitedSource:
    number: int  # the [n] the reply may cite it by
    title: str
    passage: str
    score: float
    article_id: int | None = None


@dataclass
class Outcome:
    """What the served pipeline did with one item."""

    reply: str
    handed_off: bool
    handoff_reason: str = ""
    tier: str = ""
    sources: list[CitedSource] = field(default_factory=list)  # every passage the responder was given, numbered
    cited: list[int] = field(default_factory=list)  # the [n] the reply cites, in range
    intent: str | None = None
    confidence: float | None = None
    ttft_ms: float | None = None
    total_ms: float = 0.0


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 2)


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


STRICT = CheckerRules()


def item_score(item: EvalItem, outcome: Outcome, *, rules: CheckerRules = STRICT) -> dict[str, Any]:
    by_number = {s.number: s for s in outcome.sources}
    cited_titles = [by_number[n].title for n in outcome.cited if n in by_number]
    checks = [] if outcome.handed_off else check_reply(outcome.reply, [s.passage for s in outcome.sources], rules=rules)
    reply_lower = outcome.reply.lower()
    missing = [f for f in item.facts if f.lower() not in reply_lower]
    cites_gold = item.article is not None and item.article in cited_titles
    return {
        "id": item.id, "kind": item.kind, "question": item.question, "history": list(item.history),
        "article": item.article, "facts": list(item.facts),
        "reply": outcome.reply, "handed_off": outcome.handed_off, "handoff_reason": outcome.handoff_reason,
        "tier": outcome.tier, "intent": outcome.intent, "confidence": outcome.confidence,
        "sources": [{"n": s.number, "title": s.title, "score": round(s.score, 4), "cited": s.number in outcome.cited}
                    for s in outcome.sources],
        "cites_gold": cites_gold, "missing_facts": missing,
        "correct": item.kind == "answer" and not outcome.handed_off and cites_gold and not missing,
        "sentences": [{"text": c.sentence, "supported": c.supported, "reasons": list(c.reasons)} for c in checks],
        "ttft_ms": None if outcome.ttft_ms is None else round(outcome.ttft_ms, 2), "total_ms": round(outcome.total_ms, 2),
    }


def report_build(scored: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The report: exactly REPORT_KEYS, figures rounded to 4 places (None where nothing was counted)."""
    answers = [s for s in scored if s["kind"] == "answer"]
    handoffs = [s for s in scored if s["kind"] == "handoff"]
    humans = [s for s in scored if s["kind"] == "human"]
    sentences = [c for s in scored if not s["handed_off"] for c in s["sentences"] if c["supported"] is not None]
    ttft = sorted(s["ttft_ms"] for s in scored if not s["handed_off"] and s["ttft_ms"] is not None)
    return {
        "n": len(scored),
        "answer_accuracy": _rate(sum(s["correct"] for s in answers), len(answers)),
        "citation_accuracy": _rate(sum(s["cites_gold"] and not s["handed_off"] for s in answers), len(answers)),
        "unsupported_sentence_rate": _rate(sum(c["supported"] is False for c in sentences), len(sentences)),
        "handoff_recall": _rate(sum(s["handed_off"] for s in handoffs), len(handoffs)),
        "human_recall": _rate(sum(s["handed_off"] for s in humans), len(humans)),
        "false_handoff_rate": _rate(sum(s["handed_off"] for s in answers), len(answers)),
        "ttft_ms_p50": _percentile(ttft, 50),
        "ttft_ms_p95": _percentile(ttft, 95),
        "items": list(scored),
    }
