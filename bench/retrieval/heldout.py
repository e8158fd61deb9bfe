"""Retrieval and answer-or-hand-off on the held-out answer set (issue 14): before and after, in one run.

    cd /work/main && nice -n 5 .venv/bin/python bench/retrieval/heldout.py [--split test] [--work DIR] \
        [--out bench/results/retrieval_heldout_test.json]

Builds, in a throwaway SQLite database under --work (kept, so a second run reuses the models), what
`make run` serves: the demo data, the demo intent model (trained with the defaults of the intent run,
~70-150 s on 2 cores) and two indexes of the demo knowledge base with its examples as keys, built with
the index job's own snapshot: "before" is today's dense-only index with today's settings (floor 0.475,
intent boost 0.1, history weight 0.5, 2 turns) and today's rule (an out-of-scope verdict always hands
off); "after" is the hybrid index (BM25 + dense, title field, recent turns in both queries) with the
floors, boost and history weight chosen on the dev split (bench/retrieval/tune_heldout.py) and the
calibrated rule of conversations/bot/answerability.py. Each question goes through the served classes:
ServedIntentClassifier, ServedRetriever.retrieve and handoff_reason_for, as Pipeline.decide calls them.

Reported per variant: recall@1 and recall@3 of answer items (gold article among the ranked hits, before
any floor), answered_gold@3 (answered, and the gold article among the sources given to the responder),
the rejection of out-of-scope and account-specific questions (kind handoff: handed off; also each sub-kind,
ids oos-* and acct-*), requests for
a person routed to a person, the intent model's out-of-scope false rejections of answer items, and the
share of answer items handed off by the whole rule.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "training" / "evaluation" / "data"

# Today's (before issue 14) served settings, recorded here so "before" stays reproducible.
BEFORE = {"lexical": False, "min_score": 0.475, "intent_boost": 0.1, "history_weight": 0.5, "history_turns": 2,
          "confident_score": float("inf")}


def django_setup(work: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    os.environ["RETRIEVAL_REBUILD_ON_CHANGE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.local")
    import django

    django.setup()


def load_items(split: str) -> list[dict[str, Any]]:
    path = DATA / f"answers_{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Demo:
    classifier: Any
    human_intents: frozenset[str]
    article_ids: dict[str, int]  # title -> KnowledgeArticle pk
    snapshot: Any
    work: Path
    intent_seconds: float | None


def demo_prepare(work: Path, intent_artifact: Path | None = None) -> Demo:
    """Demo data, the demo intent model and the index snapshot, in the database under ``work``.

    ``intent_artifact``: a demo intent model already trained on the same demo data with the same
    defaults (e.g. by prepare_demo), copied instead of training one more (training is deterministic).
    """
    from django.core.management import call_command

    from conversations.models import Intent, KnowledgeArticle
    from training.intent.data import intent_data_from_db
    from training.ml.intent import Example, IntentTrainingConfig, load_classifier, train
    from training.retrieval.snapshot import knowledge_snapshot
    from training.serving.classifier import ServedIntentClassifier

    call_command("migrate", interactive=False, verbosity=0)
    if not KnowledgeArticle.objects.exists():
        call_command("load_demo_data")
    intent_dir, seconds = work / "intent", None
    if not (intent_dir / "meta.json").is_file() and intent_artifact is not None:
        shutil.copytree(intent_artifact, intent_dir)
    if not (intent_dir / "meta.json").is_file():
        data = intent_data_from_db()
        started = time.perf_counter()
        train([Example(text=t, label=label) for t, label in data.examples], intent_dir,
              IntentTrainingConfig.from_dict({}), oos_texts=data.oos_texts)
        seconds = round(time.perf_counter() - started, 1)
    model = load_classifier(intent_dir)
    return Demo(
        classifier=ServedIntentClassifier(model, 1),
        human_intents=frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True)),
        article_ids={a.title: a.pk for a in KnowledgeArticle.objects.filter(published=True)},
        snapshot=knowledge_snapshot(index_examples=True), work=work, intent_seconds=seconds,
    )


def index_build(demo: Demo, name: str, **config: Any) -> Any:
    """A ServedRetriever over a demo index built as the index job builds it (floor set by the caller)."""
    from training.ml.retrieval import build_index
    from training.retrieval.job import index_config
    from training.serving.retriever import ServedRetriever, retriever_load

    folder = demo.work / name
    cfg = index_config(config)
    if (folder / "meta.json").is_file():
        recorded = json.loads((folder / "meta.json").read_text())["config"]
        if recorded != cfg.to_dict():
            raise SystemExit(f"{folder} was built with other options; remove it or use another --work")
    else:
        build_index(demo.snapshot.articles, folder, cfg, extra_keys=demo.snapshot.keys)
    return ServedRetriever(retriever_load(folder), 1, min_score=0.0)


def evaluate(items: list[dict[str, Any]], demo: Demo, served: Any, variant: dict[str, Any],
             classifications: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run each item through classify -> retrieve -> answer-or-hand-off with ``variant``'s settings."""
    from django.test import override_settings

    from conversations.bot.answerability import handoff_reason_for
    from conversations.bot.types import Turn

    served.min_score = variant["min_score"]
    rows = []
    with override_settings(RETRIEVAL_INTENT_BOOST=variant["intent_boost"], RETRIEVAL_HISTORY_WEIGHT=variant["history_weight"],
                           RETRIEVAL_HISTORY_TURNS=variant["history_turns"]):
        for item in items:
            c = (classifications or {}).get(item["id"]) or demo.classifier.classify(item["question"])
            history = [Turn(role="customer", text=t) for t in item["history"]]
            row: dict[str, Any] = {"id": item["id"], "kind": item["kind"], "intent": c.intent,
                                   "confidence": round(c.confidence, 4), "out_of_scope": c.out_of_scope}
            hits = served.search(item["question"], history=[t.text for t in history], k=10, intent=c.intent)
            row["ranked"] = [int(h.article_id) for h in hits]
            row["top_relevance"] = round(hits[0].relevance, 4) if hits else None
            if c.intent in demo.human_intents:
                row["handoff"], row["sources"] = "customer_request", []
            else:
                sources = served.retrieve(text=item["question"], history=history, intent=c.intent)
                reason = handoff_reason_for(classification=c, sources=sources, confident_score=variant["confident_score"])
                row["handoff"] = reason.value if reason else None
                row["sources"] = [] if reason else [s.article_id for s in sources]
            if item["kind"] == "answer":
                row["gold"] = demo.article_ids[item["article"]]
            rows.append(row)
    return {"metrics": metrics_of(rows), "items": rows}


def metrics_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answer = [r for r in rows if r["kind"] == "answer"]
    handoff = [r for r in rows if r["kind"] == "handoff"]
    human = [r for r in rows if r["kind"] == "human"]

    def share(part: list[Any], whole: list[Any]) -> float | None:
        return round(len(part) / len(whole), 4) if whole else None

    return {
        "n_answer": len(answer), "n_handoff": len(handoff), "n_human": len(human),
        "recall@1": share([r for r in answer if r["gold"] in r["ranked"][:1]], answer),
        "recall@3": share([r for r in answer if r["gold"] in r["ranked"][:3]], answer),
        "answered_gold@3": share([r for r in answer if r["handoff"] is None and r["gold"] in r["sources"][:3]], answer),
        "answered_gold@1": share([r for r in answer if r["handoff"] is None and r["sources"][:1] == [r["gold"]]], answer),
        "oos_rejection": share([r for r in handoff if r["handoff"] is not None], handoff),
        "oos_topic_rejection": share([r for r in handoff if r["handoff"] is not None and r["id"].startswith("oos-")],
                                     [r for r in handoff if r["id"].startswith("oos-")]),
        "account_specific_rejection": share([r for r in handoff if r["handoff"] is not None and r["id"].startswith("acct-")],
                                            [r for r in handoff if r["id"].startswith("acct-")]),
        "human_routed": share([r for r in human if r["handoff"] == "customer_request"], human),
        "intent_false_rejections": share([r for r in answer if r["out_of_scope"]], answer),
        "answer_items_handed_off": share([r for r in answer if r["handoff"] is not None], answer),
    }


def after_variant() -> dict[str, Any]:
    """The served defaults now: settings and the index job's floor for a hybrid index with keys."""
    from django.conf import settings

    from training.retrieval.job import MIN_SCORE_HYBRID_WITH_EXAMPLES

    return {"lexical": True, "min_score": MIN_SCORE_HYBRID_WITH_EXAMPLES, "intent_boost": settings.RETRIEVAL_INTENT_BOOST,
            "history_weight": settings.RETRIEVAL_HISTORY_WEIGHT, "history_turns": settings.RETRIEVAL_HISTORY_TURNS,
            "confident_score": settings.RETRIEVAL_CONFIDENT_SCORE}


def latency_ms(variants: dict[str, Any], items: list[dict[str, Any]], repeats: int = 5) -> dict[str, dict[str, float]]:
    """p50 and p95 of one ServedRetriever.search (encode + dense + lexical) per variant, over the items,
    ``repeats`` times; the variants take turns on each question, so machine load hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for item in items:
            for name, served in variants.items():
                started = time.perf_counter()
                served.search(item["question"], history=item["history"], k=3)
                times[name].append((time.perf_counter() - started) * 1000)
    out = {}
    for name, values in times.items():
        values.sort()
        out[name] = {"p50": round(statistics.median(values), 2), "p95": round(values[int(0.95 * (len(values) - 1))], 2),
                     "n": len(values)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="test", choices=("dev", "test"))
    parser.add_argument("--work", type=Path, help="Folder for the database and models (reused when it exists).")
    parser.add_argument("--intent-artifact", type=Path,
                        help="Copy this demo intent model (trained on the demo data, run defaults) instead of training one.")
    parser.add_argument("--out", type=Path, help="Raw JSON report (default: bench/results/retrieval_heldout_<split>.json).")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="heldout-"))
    work.mkdir(parents=True, exist_ok=True)
    django_setup(work)
    items = load_items(args.split)
    demo = demo_prepare(work, args.intent_artifact)
    from training.retrieval.job import index_config

    after = after_variant()
    hybrid = index_build(demo, "index-hybrid", lexical=True)
    dense = index_build(demo, "index-dense", lexical=False)
    classifications = {item["id"]: demo.classifier.classify(item["question"]) for item in items}
    report: dict[str, Any] = {
        "split": args.split, "n": len(items),
        "command": f"nice -n 5 .venv/bin/python bench/retrieval/heldout.py --split {args.split}",
        "machine": f"{platform.node()} ({os.cpu_count()} cores, shared with other sessions' jobs)",
        "intent_train_seconds": demo.intent_seconds,
        "before": {"settings": {**BEFORE, "confident_score": None},
                   **evaluate(items, demo, dense, BEFORE, classifications)},
        "after": {"settings": {**after, "fusion": {k: v for k, v in index_config({}).to_dict().items()
                                                   if k in ("fusion", "lexical_weight", "title_weight", "lexical_saturation")}},
                  **evaluate(items, demo, hybrid, after, classifications)},
    }
    latency = latency_ms({"before": dense, "after": hybrid}, items)
    report["before"]["search_ms"], report["after"]["search_ms"] = latency["before"], latency["after"]
    out = args.out or ROOT / "bench" / "results" / f"retrieval_heldout_{args.split}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"{'':26}{'before':>10}{'after':>10}")
    for key in report["after"]["metrics"]:
        print(f"{key:26}{report['before']['metrics'][key]!s:>10}{report['after']['metrics'][key]!s:>10}")
    print(f"{'search_ms p50':26}{report['before']['search_ms']['p50']:>10}{report['after']['search_ms']['p50']:>10}")
    print(f"raw JSON: {out}")


if __name__ == "__main__":
    main()
