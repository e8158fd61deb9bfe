"""On the demo knowledge base (conversations/demo_data): calibrate the relevance floor
(DEFAULT_MIN_SCORE) and check whether mixing recent customer turns into the query helps.

    cd /work/main && HF_HUB_OFFLINE=1 .venv/bin/python bench/retrieval/demo_floor.py

Floor: top-1 similarity of in-scope demo questions (intents that have an article) vs out-of-scope
questions written for this check (OUT_OF_SCOPE below); reports the threshold that maximises balanced
accuracy (answer in-scope, hand off out-of-scope) and the trade-off at a few thresholds.
Multi-turn: (a) follow-up turns that only make sense with the previous turn ("how long will that
take?") with history = one demo question; (b) topic switches, history = a question of another intent.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from training.ml.retrieval import RetrievalConfig, Retriever, build_index, load_articles  # noqa: E402
from training.ml.retrieval.encoder import encode  # noqa: E402
from training.ml.retrieval.retriever import combine_query_vectors  # noqa: E402

DEMO = ROOT / "conversations" / "demo_data"

OUT_OF_SCOPE = [
    "what's the weather going to be like tomorrow", "recommend a good pizza place near me",
    "who won the football match last night", "how do I bake sourdough bread", "tell me a joke",
    "what is the capital of Australia", "can you help me with my maths homework",
    "my laptop won't turn on", "how do I reset my router", "what time does the cinema open",
    "book me a flight to Madrid", "what's a good name for a cat", "translate hello into Japanese",
    "how many calories are in a banana", "my washing machine is leaking", "write me a poem about the sea",
    "what is the meaning of life", "how tall is Mount Everest", "do you like music",
    "which phone should I buy", "how do I grow tomatoes", "where can I park my car in the city centre",
    "is it going to rain this weekend", "how do I get rid of hiccups", "can you order me a taxi",
    "what's on TV tonight", "help me plan a birthday party", "how do I learn to play guitar",
    "what's the best way to clean an oven", "I need a plumber", "how old is the universe",
    "recommend a book to read on holiday", "my dog keeps barking at night", "how do I change a tyre",
    "what are the symptoms of flu", "can I bring my bike on the train", "how long should I boil an egg",
    "is the museum open on Sundays", "how do I unblock a sink", "what's the speed of light",
]
FOLLOW_UPS = [
    "how long will that take?", "what should I do now?", "is there a fee for that?",
    "can you help me with this?", "it still hasn't sorted itself out", "ok and then what?",
]


def main() -> None:
    articles = load_articles(DEMO / "articles.json")
    intents = json.loads((DEMO / "intents.json").read_text(encoding="utf-8"))
    covered = {i for a in articles for i in a.intents}
    questions = [(ex, it["name"]) for it in intents if it["name"] in covered for ex in it["examples"]]
    targets = {i: {a.id for a in articles if i in a.intents} for i in covered}
    with tempfile.TemporaryDirectory() as tmp:
        retriever = Retriever.load(build_index(articles, Path(tmp) / "idx", RetrievalConfig()).path)
        qv = encode(retriever.encoder, [q for q, _ in questions])
        ov = encode(retriever.encoder, OUT_OF_SCOPE)
        top_in, correct3 = [], []
        for v, (_, intent) in zip(qv, questions):
            hits = retriever.search_vector(v.reshape(1, -1), k=3)
            top_in.append(hits[0].similarity)
            correct3.append(any(h.article_id in targets[intent] for h in hits))
        top_out = [retriever.search_vector(v.reshape(1, -1), k=1)[0].similarity for v in ov]
        print(f"demo: {len(articles)} articles, {len(questions)} in-scope questions, recall@3 {np.mean(correct3):.3f}")
        print(f"top-1 similarity in-scope: p5 {np.percentile(top_in, 5):.3f} p50 {np.median(top_in):.3f}; "
              f"out-of-scope: p50 {np.median(top_out):.3f} p95 {np.percentile(top_out, 95):.3f} max {max(top_out):.3f}")
        grid = np.round(np.arange(0.15, 0.61, 0.025), 3)
        rows = []
        for t in grid:
            kept = np.mean(np.array(top_in) >= t)
            rejected = np.mean(np.array(top_out) < t)
            rows.append((t, kept, rejected, (kept + rejected) / 2))
        best = max(rows, key=lambda r: (r[3], -abs(r[0] - 0.35)))
        print("| min_score | in-scope answered | out-of-scope handed off | balanced acc |")
        print("|---:|---:|---:|---:|")
        for t, kept, rej, bal in rows:
            mark = " <- best" if t == best[0] else ""
            print(f"| {t:.3f} | {kept:.3f} | {rej:.3f} | {bal:.3f}{mark} |")

        rng = random.Random(0)
        sample = rng.sample(range(len(questions)), min(300, len(questions)))
        others = [rng.choice([j for j, x in enumerate(questions) if x[1] != questions[i][1]]) for i in sample]
        fu_vecs = encode(retriever.encoder, FOLLOW_UPS)
        # batched encoding; the same combination as Retriever.search(query, history=[turn])
        print("| history_weight | follow-up recall@3 | topic-switch recall@3 |")
        print("|---:|---:|---:|")
        for w in (0.0, 0.3, 0.5, 0.7, 1.0):
            fu = sw = 0
            for n, (i, j) in enumerate(zip(sample, others)):
                targ = targets[questions[i][1]]
                hits = retriever.search_vector(combine_query_vectors(fu_vecs[n % len(FOLLOW_UPS)], qv[i:i + 1], w), k=3)
                fu += any(h.article_id in targ for h in hits)
                hits = retriever.search_vector(combine_query_vectors(qv[i], qv[j:j + 1], w), k=3)
                sw += any(h.article_id in targ for h in hits)
            print(f"| {w} | {fu / len(sample):.3f} | {sw / len(sample):.3f} |", flush=True)

if __name__ == "__main__":
    main()
