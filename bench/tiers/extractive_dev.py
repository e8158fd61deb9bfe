"""Choose the extractive tier's thresholds on the DEV split of the held-out answer set (never the test split).

Pure ML: the demo articles are indexed once (the default retrieval config), each dev item's question
(with its earlier customer turns) is searched, the articles at or above the index's relevance floor are
kept, each widened to its whole text as the served tier does, and the extractive answer is scored for a
grid of its rules. An answer item counts as correct
when the answer is given, cites the gold article and contains every fact (case-insensitive); a hand-off
or human item counts when no answer is given. The intent model is left out (the served pipeline
adds it in front: evaluate_bot measures the whole path).

    .venv/bin/python bench/tiers/extractive_dev.py --out bench/results/extractive_dev.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from training.ml.answers import ExtractiveRules, extract_answer
from training.ml.retrieval import DEFAULT_MIN_SCORE, Retriever, build_index
from training.ml.retrieval.data import Article
from training.ml.retrieval.encoder import encode

DEV = REPO / "training/evaluation/data/answers_dev.jsonl"
ARTICLES = REPO / "conversations/demo_data/articles.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEV))
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if "answers_test" in args.data:
        raise SystemExit("thresholds are chosen on the dev split only")
    articles = [Article.from_dict(a) for a in json.loads(ARTICLES.read_text())]
    titles = {a.id: a.title for a in articles}
    items = [json.loads(line) for line in Path(args.data).read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        build_index(articles, Path(tmp) / "index")
        retriever = Retriever.load(Path(tmp) / "index")
        floor = retriever.meta.get("min_score", DEFAULT_MIN_SCORE)
        import numpy as np

        cache: dict[str, object] = {}
        whole: dict[str, list[str]] = {}
        for passage in retriever.passages:
            whole.setdefault(passage.article_id, []).append(passage.text)

        def vectors(texts: list[str]):
            missing = [t for t in dict.fromkeys(texts) if t not in cache]
            if missing:
                cache.update(zip(missing, encode(retriever.encoder, missing), strict=True))
            return np.vstack([cache[t] for t in texts]) if texts else np.zeros((0, 384), "float32")

        def embed(queries: list[str], sentences: list[str]):
            return vectors(queries), vectors(sentences)

        searched = []
        for item in items:
            hits = retriever.search(item["question"], history=item["history"], k=3)
            searched.append((item, [h for h in hits if h.relevance >= floor]))
        grid = []
        for min_score, keep_within, neighbour_within, history_weight in itertools.product(
                (0.4, 0.45, 0.5, 0.55, 0.6), (0.0, 0.1), (0.1, 0.3), (0.3, 0.7)):
            rules = ExtractiveRules(min_score=min_score, keep_within=keep_within, neighbour_within=neighbour_within,
                                    history_weight=history_weight)
            right = handoff_right = answerable = unanswerable = 0
            for item, hits in searched:
                answer = extract_answer(question=item["question"], history=item["history"],
                                        passages=["\n\n".join(whole[h.article_id]) for h in hits], embed=embed,
                                        rules=rules) if hits else None
                answered = answer is not None and answer.answered
                if item["kind"] == "answer":
                    answerable += 1
                    cited = {titles[hits[c.passage - 1].article_id] for c in answer.sentences} if answered else set()
                    text = answer.text.lower() if answered else ""
                    right += answered and item["article"] in cited and all(f.lower() in text for f in item["facts"])
                else:
                    unanswerable += 1
                    handoff_right += not answered
            grid.append({"min_score": min_score, "keep_within": keep_within, "neighbour_within": neighbour_within,
                         "history_weight": history_weight,
                         "answer_accuracy": round(right / max(answerable, 1), 4),
                         "handoff_recall": round(handoff_right / max(unanswerable, 1), 4)})
            print(json.dumps(grid[-1]))
    chosen = ExtractiveRules()
    result = {"chosen": {"min_score": chosen.min_score, "keep_within": chosen.keep_within,
                         "neighbour_within": chosen.neighbour_within, "history_weight": chosen.history_weight,
                         "top_passage_bonus": chosen.top_passage_bonus},
              "note": "extractive decision only: the intent model and the answerability rule, which also hand off, are left out",
              "data": str(Path(args.data).relative_to(REPO)), "n": len(items), "index_floor": floor, "grid": grid}
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
