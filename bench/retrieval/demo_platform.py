"""How the platform should index the demo knowledge base: articles alone or with the demo intents'
training examples as extra keys, and whether the predicted intent (the pipeline's classifier) helps.

    cd /work/main && HF_HUB_OFFLINE=1 .venv/bin/python bench/retrieval/demo_platform.py [--classifier] [--specific] [--held-out 6]

Held out: the last ``--held-out`` examples of each demo intent; they are never indexed (nor used to
train the classifier). Targets: the articles tagged with the question's intent. Keys: every other
example of an intent, pointing to each article tagged with it ("all") or only to the intent's most
specific articles, those tagged with the fewest intents ("specific"). Intent priors: the gold intent
(an upper bound), a noisy one (wrong for 20% of questions, seeded) and, with --classifier, the intent
predicted by a classifier fine-tuned here on the non-held-out examples (the pipeline only retrieves
for confident in-scope predictions; the prior is then that prediction, otherwise none). Keys
"specific" are measured with --specific. Also prints the top-1 similarity of off-topic questions (the
demo's out-of-scope messages and those of demo_floor.py) and the answered / handed-off shares at a
few relevance floors, for each kind of index.
"""

from __future__ import annotations

import argparse
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

from training.ml.retrieval import DEFAULT_MIN_SCORE, RetrievalConfig, Retriever, build_index, load_articles  # noqa: E402
from training.ml.retrieval.encoder import encode  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_floor import OUT_OF_SCOPE  # noqa: E402

DEMO = ROOT / "conversations" / "demo_data"


def key_pairs(articles, examples: list[tuple[str, str]], mode: str) -> list[tuple[str, str]]:
    pairs = []
    for text, intent in examples:
        tagged = [a for a in articles if intent in a.intents]
        if mode == "specific" and tagged:
            fewest = min(len(a.intents) for a in tagged)
            tagged = [a for a in tagged if len(a.intents) == fewest]
        pairs.extend((text, a.id) for a in tagged)
    return pairs


def scores(retriever: Retriever, qv, gold: list[str], targets, priors: list[str | None], boost: float) -> dict:
    ranks = []
    for vec, intent, prior in zip(qv, gold, priors):
        ids = [h.article_id for h in retriever.search_vector(vec.reshape(1, -1), k=10, intent=prior, intent_boost=boost)]
        rank = next((n + 1 for n, aid in enumerate(ids) if aid in targets[intent]), None)
        ranks.append(rank)
    n = len(ranks)
    return {"r@1": sum(r == 1 for r in ranks) / n, "r@3": sum(r is not None and r <= 3 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n}


def predicted_intents(train_examples, oos, held_texts, folder: Path) -> list[str | None]:
    from training.ml.intent import Example, IntentTrainingConfig, load_classifier, train

    started = time.perf_counter()
    train([Example(t, label) for t, label in train_examples], folder, IntentTrainingConfig(export_onnx=False), oos_texts=oos)
    print(f"classifier trained in {time.perf_counter() - started:.0f} s")
    preds = load_classifier(folder).predict(held_texts)
    return [None if (p.is_oos or p.intent == "oos") else p.intent for p in preds]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--held-out", type=int, default=6)
    parser.add_argument("--classifier", action="store_true")
    parser.add_argument("--specific", action="store_true", help="also measure keys to the most specific articles only")
    args = parser.parse_args()

    articles = load_articles(DEMO / "articles.json")
    intents = json.loads((DEMO / "intents.json").read_text(encoding="utf-8"))
    oos_train = json.loads((DEMO / "out_of_scope.json").read_text(encoding="utf-8"))
    # Off-topic probes: the demo's out-of-scope messages and those written for demo_floor.py.
    oos = oos_train + OUT_OF_SCOPE
    covered = {i for a in articles for i in a.intents}
    targets = {i: {a.id for a in articles if i in a.intents} for i in covered}
    train_ex = [(t, it["name"]) for it in intents for t in it["examples"][: -args.held_out]]
    held = [(t, it["name"]) for it in intents if it["name"] in covered for t in it["examples"][-args.held_out:]]
    texts, gold = [t for t, _ in held], [i for _, i in held]
    rng = random.Random(0)
    names = sorted(covered)
    noisy = [g if rng.random() < 0.8 else rng.choice([x for x in names if x != g]) for g in gold]
    priors: dict[str, list[str | None]] = {"none": [None] * len(gold), "gold": list(gold), "noisy 80%": noisy}

    floors: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.classifier:
            predicted = predicted_intents(train_ex, oos_train, texts, Path(tmp) / "clf")
            answered = [p is not None for p in predicted]
            correct = sum(p == g for p, g in zip(predicted, gold))
            print(f"classifier on held-out: {correct}/{len(gold)} correct, {sum(answered)} confident in scope")
            priors["predicted"] = predicted
        print(f"demo KB: {len(articles)} articles; held-out questions: {len(held)} ({args.held_out} per intent); "
              f"out-of-scope: {len(oos)}; load average {os.getloadavg()[0]:.1f}")
        print("| keys | prior | boost | recall@1 | recall@3 | MRR@10 |")
        print("|---|---|---:|---:|---:|---:|")
        for mode in ("none", "all", "specific")[: 3 if args.specific else 2]:
            keys = [] if mode == "none" else key_pairs(articles, train_ex, mode)
            artifact = build_index(articles, Path(tmp) / f"idx-{mode}", RetrievalConfig(), extra_keys=keys)
            retriever = Retriever.load(artifact.path)
            qv, ov = encode(retriever.encoder, texts), encode(retriever.encoder, oos)
            for prior, values in priors.items():
                for boost in ((0.0,) if prior == "none" else (0.05, 0.1)):
                    m = scores(retriever, qv, gold, targets, values, boost)
                    print(f"| {mode} ({len(keys)}) | {prior} | {boost} | {m['r@1']:.3f} | {m['r@3']:.3f} | {m['mrr']:.3f} |")
            top_out = np.array([retriever.search_vector(v.reshape(1, -1), k=1)[0].similarity for v in ov])
            top_in = np.array([retriever.search_vector(v.reshape(1, -1), k=1)[0].similarity for v in qv])
            floors[mode] = (top_in, top_out)
            print(f"  keys={mode}: build {artifact.build_seconds:.1f} s, {artifact.n_passages} passages, "
                  f"{len(keys)} keys; top-1 similarity held-out p5 {np.percentile(top_in, 5):.3f} p50 {np.median(top_in):.3f}, "
                  f"off-topic p50 {np.median(top_out):.3f} p95 {np.percentile(top_out, 95):.3f} max {top_out.max():.3f}")
    print(f"\nRelevance floor (top-1 similarity >= floor: answer); {len(texts)} held-out in-scope, {len(oos)} off-topic")
    print("| keys | floor | held-out answered | off-topic handed off | balanced |")
    print("|---|---:|---:|---:|---:|")
    for mode, (top_in, top_out) in floors.items():
        for floor in (DEFAULT_MIN_SCORE, 0.35, 0.4, 0.425, 0.45, 0.475, 0.5, 0.55):
            kept, rejected = float(np.mean(top_in >= floor)), float(np.mean(top_out < floor))
            print(f"| {mode} | {floor} | {kept:.3f} | {rejected:.3f} | {(kept + rejected) / 2:.3f} |")


if __name__ == "__main__":
    main()
