"""Out-of-scope detection on the Banking77-OOS protocol: hold out a share of the intents as out of scope.

As in Zhang et al. (2021): a random 25 % (or 50 %) of the 77 intents is never trained on; their
train.csv rows are out-of-scope messages (the package's validation split takes its share of them to
choose the score and threshold), their test.csv rows are the out-of-scope test messages. Every
method is measured on the same fine-tuned model in the same run, with its threshold chosen on
validation by the rule the classifier always used (max of mean in-scope accuracy and OOS recall):

    nice -n 10 .venv/bin/python -m bench.intent.banking77_oos --held-out 0.25 --per-class 40 \
        --json bench/results/intent/banking77_oos_25.json

``--per-class`` trains on a subset (this 2-core box cannot fine-tune the full set twice in a
session); the test rows are all of test.csv.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.intent.banking77 import _subset  # noqa: E402
from bench.intent.common import machine  # noqa: E402
from training.ml.intent import Example, IntentClassifier, IntentTrainingConfig, load_classifier, load_csv, train  # noqa: E402
from training.ml.intent.calibrate import choose_threshold, softmax  # noqa: E402
from training.ml.intent.data import OOS_LABEL, merge_oos, stratified_split  # noqa: E402
from training.ml.intent.ood import OodBank, auroc, candidate_methods  # noqa: E402

DATA_DIR = Path(os.environ.get("BANKING77_DIR", "/work/shared/data/banking77"))


def _rates(flagged: np.ndarray, correct: np.ndarray, is_oos: np.ndarray) -> dict[str, float]:
    true_pos = (flagged & is_oos).sum()
    return {
        "in_scope_accuracy": float((correct & ~flagged)[~is_oos].mean()),
        "oos_recall": float(flagged[is_oos].mean()),
        "oos_precision": float(true_pos / flagged.sum()) if flagged.sum() else 0.0,
        "in_scope_handoff_rate": float(flagged[~is_oos].mean()),
    }


def _compare(bank: OodBank, val: tuple, test: tuple, keep_fraction: float) -> list[dict]:
    """Every method on the same vectors: threshold chosen on validation, figures on test."""
    (val_probs, val_vectors, val_oos, val_correct), (test_probs, test_vectors, test_oos, test_correct) = val, test
    rows = []
    for method in candidate_methods():
        val_scores = method.score(bank, val_vectors, val_probs.max(axis=1))
        test_scores = method.score(bank, test_vectors, test_probs.max(axis=1))
        choice = choose_threshold(val_scores, val_correct, np.zeros(len(val_scores), bool), val_oos,
                                  keep_fraction=keep_fraction)
        rows.append({"method": method.label, "threshold": choice.threshold,
                     "validation_auroc": auroc(val_scores[~val_oos], val_scores[val_oos]),
                     "test_auroc": auroc(test_scores[~test_oos], test_scores[test_oos]),
                     **_rates(test_scores < choice.threshold, test_correct, test_oos)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def _frozen_encoder(args: argparse.Namespace, known: list[Example], oos_train: list[str], test_rows: list[Example],
                    held: set[str], config: IntentTrainingConfig) -> int:
    from sklearn.linear_model import LogisticRegression

    from training.ml.intent.embed import embed_texts

    before = machine()
    started, cpu_started = time.perf_counter(), time.process_time()
    train_set, val_set = stratified_split(merge_oos(known, oos_train), val_fraction=config.val_fraction, seed=config.seed)
    train_set = [ex for ex in train_set if ex.label != OOS_LABEL]
    test = [Example(ex.text, OOS_LABEL if ex.label in held else ex.label) for ex in test_rows]
    labels = sorted({ex.label for ex in train_set})
    index = {label: i for i, label in enumerate(labels)}
    vectors = embed_texts([ex.text for ex in train_set + val_set + test], max_length=config.max_length)
    train_x, val_x, test_x = np.split(vectors, [len(train_set), len(train_set) + len(val_set)])
    train_y = np.array([index[ex.label] for ex in train_set])
    head = LogisticRegression(C=10.0, max_iter=2000).fit(train_x, train_y)
    bank = OodBank.fit(train_x, train_y, len(labels))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    def view(rows: list[Example], x: np.ndarray) -> tuple:
        probs = head.predict_proba(x)
        is_oos = np.array([ex.label == OOS_LABEL for ex in rows])
        correct = (probs.argmax(axis=1) == np.array([index.get(ex.label, -1) for ex in rows])) & ~is_oos
        return probs, x, is_oos, correct

    val, tst = view(val_set, val_x), view(test, test_x)
    results = {
        "bench": "banking77_oos", "recipe": "frozen base encoder (all-MiniLM-L6-v2 mean pooling) + logistic regression",
        "held_out_share": args.held_out, "held_out_intents": sorted(held), "n_known_intents": len(labels),
        "per_class": args.per_class, "seed": args.seed, "n_train": len(train_set), "n_validation": len(val_set),
        "n_test": len(test), "n_test_oos": int(tst[2].sum()), "train_wall_seconds": round(wall, 1),
        "train_cpu_seconds": round(cpu, 1), "closed_set_test_accuracy_in_scope": float(tst[3][~tst[2]].mean()),
        "methods": _compare(bank, val, tst, config.oos_keep_fraction), "machine_before": before, "machine_after": machine(),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held-out", type=float, default=0.25, help="share of the intents held out as out of scope")
    parser.add_argument("--per-class", type=int, default=0, help="train on at most N rows per known intent (0: all)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="IntentTrainingConfig field")
    parser.add_argument("--output", default="var/bench/banking77-oos")
    parser.add_argument("--json")
    parser.add_argument("--frozen-encoder", action="store_true",
                        help="no fine-tuning: base-encoder sentence vectors + logistic regression (the cheapest recipe)")
    args = parser.parse_args(argv)
    overrides = {name: json.loads(value) for name, _, value in (s.partition("=") for s in args.set)}

    train_rows = load_csv(DATA_DIR / "train.csv", label_column="category")
    test_rows = load_csv(DATA_DIR / "test.csv", label_column="category")
    intents = sorted({ex.label for ex in train_rows})
    rng = random.Random(args.seed)
    held = set(rng.sample(intents, round(args.held_out * len(intents))))
    known = [ex for ex in train_rows if ex.label not in held]
    if args.per_class:
        known = _subset(known, args.per_class, args.seed)
    oos_train = [ex.text for ex in train_rows if ex.label in held]
    if args.per_class:  # keep the in-scope : out-of-scope proportion of the full set
        oos_train = random.Random(args.seed).sample(oos_train, min(len(oos_train), args.per_class * len(held)))
    config = IntentTrainingConfig.from_dict({**IntentTrainingConfig.defaults(), "train_oos_class": False,
                                             "ood_method": "auto", **overrides})
    if args.frozen_encoder:
        return _frozen_encoder(args, known, oos_train, test_rows, held, config)
    output = Path(args.output)
    shutil.rmtree(output, ignore_errors=True)
    before = machine()
    started, cpu_started = time.perf_counter(), time.process_time()
    meta = train(known, output, config, oos_texts=oos_train).meta
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    # the same split train() made, to rebuild every method's bank and validation scores
    train_set, val_set = stratified_split(merge_oos(known, oos_train), val_fraction=config.val_fraction, seed=config.seed)
    train_set = [ex for ex in train_set if ex.label != OOS_LABEL]
    torch_clf = IntentClassifier.load(output)
    labels = torch_clf.labels
    index = {label: i for i, label in enumerate(labels)}
    _, train_vectors = torch_clf.logits_and_vectors([ex.text for ex in train_set])
    bank = OodBank.fit(train_vectors, np.array([index[ex.label] for ex in train_set]), len(labels))
    test = [Example(ex.text, OOS_LABEL if ex.label in held else ex.label) for ex in test_rows]

    def view(rows: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        logits, vectors = torch_clf.logits_and_vectors([ex.text for ex in rows])
        probs = softmax(logits, torch_clf.temperature)
        is_oos = np.array([ex.label == OOS_LABEL for ex in rows])
        correct = (probs.argmax(axis=1) == np.array([index.get(ex.label, -1) for ex in rows])) & ~is_oos
        return probs, vectors, is_oos, correct

    val_view, test_view = view(val_set), view(test)
    test_oos, test_correct = test_view[2], test_view[3]
    rows = _compare(bank, val_view, test_view, config.oos_keep_fraction)

    served = load_classifier(output)
    predictions = served.predict([ex.text for ex in test])
    flagged = np.array([p.is_oos for p in predictions])
    served_correct = np.array([p.intent == ex.label for p, ex in zip(predictions, test, strict=True)]) & ~test_oos
    results = {
        "bench": "banking77_oos", "held_out_share": args.held_out, "held_out_intents": sorted(held),
        "n_known_intents": len(labels), "per_class": args.per_class, "seed": args.seed, "overrides": overrides,
        "config": config.to_dict(), "n_train": meta["data"]["n_train"], "n_validation": meta["data"]["n_validation"],
        "n_test": len(test), "n_test_oos": int(test_oos.sum()),
        "train_wall_seconds": round(wall, 1), "train_cpu_seconds": round(cpu, 1),
        "closed_set_test_accuracy_in_scope": float(test_correct[~test_oos].mean()),
        "methods": rows,
        "served": {"backend": served.backend, "variant": getattr(served, "variant", None),
                   "rule": (meta.get("ood") or {}).get("label", "msp"),
                   **_rates(flagged, served_correct, test_oos)},
        "machine_before": before, "machine_after": machine(),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps({k: results[k] for k in ("served", "closed_set_test_accuracy_in_scope", "train_wall_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
