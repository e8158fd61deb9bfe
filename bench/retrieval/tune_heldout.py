"""Choose the hybrid retrieval weights, the intent boost, the history weight and the two answerability
floors on the DEV split of the held-out answer set (the test split is only reported, by heldout.py).

    cd /work/main && nice -n 5 .venv/bin/python bench/retrieval/tune_heldout.py --work DIR \
        [--out bench/results/retrieval_tuning_dev.json]

Stage 1 (ranking): a grid over fusion (weighted, rrf), lexical_weight, title_weight, lexical_saturation,
history_weight and intent_boost, scored by recall@3 then recall@1 of the dev answer items (lexical_weight 0
is the dense-only baseline in the same grid). Ties go to the setting closest to the defaults below.
Stage 2 (floors), with the chosen ranking: the relevance floor and the "confident" score that lets
retrieval overrule the intent model's out-of-scope verdict, scored by the number of dev items decided
right (answer items answered with the gold article among the sources, handoff items handed off); ties
go to the middle of the tied floors, then of the tied confident scores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import heldout  # noqa: E402

GRID = {
    "fusion": ["weighted", "rrf"],
    "lexical_weight": [0.0, 0.2, 0.3, 0.4, 0.5, 0.6],
    "title_weight": [0.0, 0.5, 1.0],
    "lexical_saturation": [3.0, 6.0, 12.0],
    "history_weight": [0.3, 0.5, 0.8],
    "intent_boost": [0.0, 0.05, 0.1],
}
DEFAULTS = {"fusion": "weighted", "lexical_weight": 0.35, "title_weight": 0.5, "lexical_saturation": 6.0,
            "history_weight": 0.5, "intent_boost": 0.1}
FLOORS = [round(0.2 + 0.01 * n, 2) for n in range(41)]  # 0.20 .. 0.60
CONFIDENT = [round(0.3 + 0.02 * n, 2) for n in range(31)] + [9.0]  # 0.30 .. 0.90, 9 = never overrule


def distance(setting: dict[str, Any]) -> float:
    return sum(abs(setting[k] - DEFAULTS[k]) for k in DEFAULTS if k != "fusion") + (setting["fusion"] != DEFAULTS["fusion"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--intent-artifact", type=Path, help="as heldout.py --intent-artifact")
    parser.add_argument("--out", type=Path, default=heldout.ROOT / "bench" / "results" / "retrieval_tuning_dev.json")
    args = parser.parse_args()
    heldout.django_setup(args.work)
    items = heldout.load_items("dev")
    demo = heldout.demo_prepare(args.work, args.intent_artifact)
    served = heldout.index_build(demo, "index-hybrid", lexical=True)
    retriever = served.retriever
    from training.ml.retrieval.encoder import encode
    from training.ml.retrieval.retriever import combine_query_vectors

    cls = {i["id"]: demo.classifier.classify(i["question"]) for i in items}
    turns = {i["id"]: [t for t in i["history"] if t.strip()][-2:] for i in items}
    vectors = {i["id"]: encode(retriever.encoder, [i["question"], *turns[i["id"]]]) for i in items}
    answer = [i for i in items if i["kind"] == "answer"]
    gold = {i["id"]: str(demo.article_ids[i["article"]]) for i in answer}

    def hits_of(item: dict[str, Any], s: dict[str, Any], k: int) -> list[Any]:
        v = vectors[item["id"]]
        q = combine_query_vectors(v[0], v[1:], s["history_weight"])
        intent = cls[item["id"]].intent
        return retriever.search_vector(q, k=k, intent=intent, intent_boost=s["intent_boost"] if intent else 0.0,
                                       text=item["question"], history=turns[item["id"]], history_weight=s["history_weight"])

    grid = []
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        s = dict(zip(keys, values))
        if s["lexical_weight"] == 0 and (s["fusion"] != "weighted" or s["title_weight"] or s["lexical_saturation"] != 6.0):
            continue  # dense-only: the lexical options do nothing
        retriever.fusion.update({k: s[k] for k in ("fusion", "lexical_weight", "title_weight", "lexical_saturation")})
        ranks = [[h.article_id for h in hits_of(i, s, 3)] for i in answer]
        r1 = sum(gold[i["id"]] in r[:1] for i, r in zip(answer, ranks)) / len(answer)
        r3 = sum(gold[i["id"]] in r[:3] for i, r in zip(answer, ranks)) / len(answer)
        grid.append({**s, "recall@1": round(r1, 4), "recall@3": round(r3, 4)})
    best = max(grid, key=lambda g: (g["recall@3"], g["recall@1"], -distance(g)))
    dense_best = max((g for g in grid if g["lexical_weight"] == 0), key=lambda g: (g["recall@3"], g["recall@1"], -distance(g)))
    print("grid points:", len(grid), "best:", best, "dense-only best:", dense_best, flush=True)

    retriever.fusion.update({k: best[k] for k in ("fusion", "lexical_weight", "title_weight", "lexical_saturation")})
    top = {i["id"]: [(h.article_id, h.relevance) for h in hits_of(i, best, 3)] for i in items}
    floors = []
    handoff = [i for i in items if i["kind"] == "handoff"]
    for floor, confident in itertools.product(FLOORS, CONFIDENT):
        if confident < floor:
            continue
        answered_gold, rejected = 0, {"oos": 0, "acct": 0}
        for i in items:
            c = cls[i["id"]]
            if c.intent in demo.human_intents:
                handed_off, sources = True, []
            else:
                sources = [aid for aid, rel in top[i["id"]] if rel >= floor]
                best_rel = max((rel for _, rel in top[i["id"]] if rel >= floor), default=None)
                handed_off = (best_rel is None or best_rel < confident) if c.out_of_scope else not sources
            if i["kind"] == "answer":
                answered_gold += (not handed_off) and gold[i["id"]] in sources
            elif i["kind"] == "handoff":
                rejected[i["id"].split("-")[0]] += handed_off
        floors.append({"min_score": floor, "confident_score": confident, "correct": answered_gold + sum(rejected.values()),
                       "answered_gold@3": round(answered_gold / len(answer), 4),
                       "oos_rejection": round(sum(rejected.values()) / len(handoff), 4), "rejected": rejected})
    most = max(f["correct"] for f in floors)
    tied = [f for f in floors if f["correct"] == most]
    floor_values = sorted({f["min_score"] for f in tied})
    chosen_floor = floor_values[len(floor_values) // 2]
    confident_values = sorted({f["confident_score"] for f in tied if f["min_score"] == chosen_floor})
    chosen = next(f for f in tied if f["min_score"] == chosen_floor
                  and f["confident_score"] == confident_values[len(confident_values) // 2])
    print("floors:", chosen, "tied floors:", floor_values, "tied confident scores:", confident_values)
    report = {"split": "dev", "command": "nice -n 5 .venv/bin/python bench/retrieval/tune_heldout.py --work DIR",
              "ranking_best": best, "dense_only_best": dense_best,
              "floors_chosen": chosen, "tied_floors": floor_values, "tied_confident_scores": confident_values,
              "grid": grid, "floor_grid": floors}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print("raw JSON:", args.out)


if __name__ == "__main__":
    main()
