"""How well the content-gaps report groups the demo's unanswered questions, and how long it takes.

The demo's past conversations (conversations/demo_data/past_conversations.json) hold twelve questions the
bot handed off for want of an answer, written on five topics. The topic of each is read from its words
(below), the report's clustering (training/ml/insights: agglomerative, average linkage, cosine, a distance
threshold) is run with the bundled encoder at several thresholds, and compared with the topics by the
adjusted Rand index and purity. Baseline: KMeans told the true number of topics (an oracle the report
does not have). Run: .venv/bin/python -m bench.copilot.clusters [--out bench/results/copilot_clusters.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from training.ml.insights import cluster_questions
from training.ml.retrieval.encoder import encode, load_encoder

PAST = Path(__file__).resolve().parents[2] / "conversations" / "demo_data" / "past_conversations.json"
GAP_REASONS = {"nothing_relevant", "unsupported_answer", "low_confidence", "out_of_scope"}
TOPICS = {"crypto": ("bitcoin", "crypto"), "insurance": ("insur",), "mortgage": ("mortgage",), "joint": ("joint",),
          "business": ("business",)}
THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65)


def unanswered() -> list[tuple[str, str]]:
    """(question, topic) for each content-gap question: a customer turn answered by a hand-off of such a reason."""
    out = []
    for item in json.loads(PAST.read_text()):
        turns = item["turns"]
        for before, after in zip(turns, turns[1:], strict=False):
            if before["role"] == "customer" and after["role"] == "handoff" and after["reason"] in GAP_REASONS:
                topic = next((t for t, words in TOPICS.items() if any(w in before["text"].lower() for w in words)), None)
                if topic:
                    out.append((before["text"], topic))
    return out


def purity(labels: list[int], truth: list[str]) -> float:
    groups: dict[int, list[str]] = {}
    for label, topic in zip(labels, truth, strict=True):
        groups.setdefault(label, []).append(topic)
    return sum(max(g.count(t) for t in set(g)) for g in groups.values()) / len(truth)


def main() -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows = unanswered()
    texts, truth = [t for t, _ in rows], [topic for _, topic in rows]
    vectors = encode(load_encoder(None), texts)
    results = {"questions": len(texts), "topics": len(set(truth)), "encoder": "bundled all-MiniLM-L6-v2", "thresholds": []}
    for threshold in THRESHOLDS:
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            clusters = cluster_questions(vectors, distance_threshold=threshold)
            timings.append((time.perf_counter() - started) * 1000)
        labels = [0] * len(texts)
        for n, cluster in enumerate(clusters):
            for i in cluster.members:
                labels[i] = n
        results["thresholds"].append({"distance_threshold": threshold, "clusters": len(clusters),
                                      "ari": round(adjusted_rand_score(truth, labels), 3), "purity": round(purity(labels, truth), 3),
                                      "cluster_ms_median": round(statistics.median(timings), 2)})
    kmeans = KMeans(n_clusters=len(set(truth)), n_init=10, random_state=0).fit_predict(vectors)
    results["baseline_kmeans_oracle_k"] = {"ari": round(adjusted_rand_score(truth, kmeans), 3),
                                           "purity": round(purity(list(kmeans), truth), 3)}
    # Scale: INSIGHTS_MAX_QUESTIONS is 2000; the demo's vectors repeated with noise stand for a busy period.
    import numpy as np

    rng = np.random.default_rng(0)
    results["scale"] = []
    for n in (200, 2000):
        many = vectors[rng.integers(0, len(vectors), n)] + rng.normal(0, 0.02, (n, vectors.shape[1])).astype("float32")
        many /= np.linalg.norm(many, axis=1, keepdims=True)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            cluster_questions(many, distance_threshold=0.55)
            timings.append((time.perf_counter() - started) * 1000)
        results["scale"].append({"questions": n, "cluster_ms_median": round(statistics.median(timings), 1)})
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
