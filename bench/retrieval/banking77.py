"""Banking77 retrieval benchmark: one article per intent (bench/retrieval/kb/articles.json), the
3,080 Banking77 TEST questions as queries, the gold intent's article as the target.

    cd /work/main && HF_HUB_OFFLINE=1 .venv/bin/python bench/retrieval/banking77.py [--train-keys] [--dense-only] [--latency-sample 200]

Prints recall@1/3/5 and MRR (over the article ranking, k=10), the intent-prior variants (gold intent =
upper bound; a "noisy" intent that is wrong for 20% of queries, wrong ones drawn at random), the
index build time and the query latency (encode + search of one query) p50/p95, the median over 3 runs.
--train-keys also indexes the Banking77 TRAIN questions as extra keys pointing to their intent's
article (test questions are never indexed). The index is hybrid (BM25 + dense, the fusion defaults of
RetrievalConfig) unless --dense-only (retrieval as it was before issue 14).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from training.ml.retrieval import RetrievalConfig, Retriever, build_index, load_articles  # noqa: E402
from training.ml.retrieval.encoder import encode  # noqa: E402

DATA = Path("/work/shared/data/banking77")
KB = Path(__file__).resolve().parent / "kb" / "articles.json"


def read_csv(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def metrics(retriever: Retriever, qvecs: np.ndarray, gold: list[str], intents: list[str | None], boost: float,
            texts: list[str | None]) -> dict:
    ranks = []
    for vec, target, intent, text in zip(qvecs, gold, intents, texts):
        hits = retriever.search_vector(vec.reshape(1, -1), k=10, intent=intent, intent_boost=boost, text=text)
        ids = [h.article_id for h in hits]
        ranks.append(ids.index(target) + 1 if target in ids else None)
    n = len(ranks)
    return {
        "recall@1": sum(r is not None and r <= 1 for r in ranks) / n,
        "recall@3": sum(r is not None and r <= 3 for r in ranks) / n,
        "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr@10": sum(1 / r for r in ranks if r) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-keys", action="store_true", help="index TRAIN questions as extra keys")
    parser.add_argument("--latency-sample", type=int, default=200)
    parser.add_argument("--boosts", type=float, nargs="+", default=[0.05, 0.1])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--dense-only", action="store_true",
                        help="index without the lexical part (retrieval before hybrid BM25 + dense fusion)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    articles = load_articles(KB)
    article_of = {intent: a.id for a in articles for intent in a.intents}
    test = read_csv(DATA / "test.csv")
    keys = [(text, article_of[label]) for text, label in read_csv(DATA / "train.csv")] if args.train_keys else []

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        artifact = build_index(articles, Path(tmp) / "idx", RetrievalConfig(lexical=not args.dense_only), extra_keys=keys)
        build_s = time.perf_counter() - t
        retriever = Retriever.load(artifact.path)
        print(f"index: {artifact.index_type}, {artifact.n_articles} articles, {artifact.n_passages} passages, "
              f"{artifact.n_keys} train keys; build {build_s:.1f} s (incl. model load on first use)")

        texts = [q for q, _ in test]
        gold = [article_of[c] for _, c in test]
        labels = [c for _, c in test]
        t = time.perf_counter()
        qvecs = encode(retriever.encoder, texts)
        print(f"encoded {len(texts)} test questions in {time.perf_counter() - t:.1f} s (batched)")

        query_texts = [None if args.dense_only else t for t in texts]
        results = {"plain": metrics(retriever, qvecs, gold, [None] * len(gold), 0.0, query_texts)}
        rng = random.Random(0)
        all_intents = sorted(article_of)
        noisy = [c if rng.random() >= 0.2 else rng.choice([x for x in all_intents if x != c]) for c in labels]
        for boost in args.boosts:
            results[f"gold intent, boost {boost}"] = metrics(retriever, qvecs, gold, labels, boost, query_texts)
            results[f"noisy intent (80% right), boost {boost}"] = metrics(retriever, qvecs, gold, noisy, boost, query_texts)

        sample = random.Random(1).sample(texts, min(args.latency_sample, len(texts)))
        retriever.search(sample[0])  # warm-up
        p50s, p95s = [], []
        for _ in range(3):
            times = []
            for q in sample:
                t = time.perf_counter()
                retriever.search(q, k=5)
                times.append((time.perf_counter() - t) * 1000)
            p50s.append(float(np.percentile(times, 50)))
            p95s.append(float(np.percentile(times, 95)))
        latency = {"p50_ms": float(np.median(p50s)), "p95_ms": float(np.median(p95s)), "runs_p50": p50s, "runs_p95": p95s}

    print("| variant | recall@1 | recall@3 | recall@5 | MRR@10 |")
    print("|---|---:|---:|---:|---:|")
    for name, m in results.items():
        print(f"| {name} | {m['recall@1']:.3f} | {m['recall@3']:.3f} | {m['recall@5']:.3f} | {m['mrr@10']:.3f} |")
    print(f"query latency (encode + search, one query, {len(sample)} queries x 3 runs): "
          f"p50 {latency['p50_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms (median of runs; runs p50 "
          f"{[round(x, 1) for x in p50s]}, p95 {[round(x, 1) for x in p95s]})")
    if args.json:
        args.json.write_text(json.dumps({"train_keys": args.train_keys, "dense_only": args.dense_only, "build_s": build_s,
                                         "index_type": artifact.index_type,
                                         "results": results, "latency": latency}, indent=2))


if __name__ == "__main__":
    main()
