"""Detection quality of conversations.pii in multi-turn dialogues (bench/pii/dialogue.py).

    .venv/bin/python bench/pii/dialogue_run.py                       # reported: held-out phrasings, test seed
    .venv/bin/python bench/pii/dialogue_run.py --set tune --seed 1   # what tuning looked at

Each dialogue is replayed as the platform does it (conversations/privacy.py): a customer turn is
read with the kinds the previous agent/bot turn asked for (conversations.pii.expected_kinds), an
agent turn with the agent's own name kept, and every turn with the conversation's mapping so far
(known values and their parts keep their placeholder). Matching is span level as in run.py.
Reported: recall and precision per type, the over-scrub rate (PII-free turns with any detection),
and stock Presidio (turn by turn, no dialogue) over only the types it has a recognizer for.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dialogue import Dialogue, generate_dialogues
from generate import TEST_SEED, ensure_hash_seed
from run import STOCK_TYPES, f_beta, stock

from conversations.pii import Anonymizer, DialogueContext, PiiConfig, expected_kinds

Pred = tuple[str, int, int]
# Our types that stock Presidio has a recognizer for (run.py maps its names onto ours).
STOCK_COVERED = frozenset(STOCK_TYPES.values())


def replay(anonymizer: Anonymizer, dialogue: Dialogue, times: dict[str, list[float]] | None = None) -> list[list[Pred]]:
    """The dialogue's predictions; with ``times``, each turn's anonymize() wall time in the dialogue
    ("dialogue": context and the mapping so far) and alone ("alone": no context, no mapping)."""
    mapping: dict[str, str] = {}
    question = ""
    predictions = []
    for turn in dialogue.turns:
        if turn.role == "customer":
            # As conversations/privacy.py: only the message right after the agent's or bot's turn answers it.
            context = DialogueContext(expects=expected_kinds(question))
            question = ""
        else:
            keep = frozenset(dialogue.agent_name.casefold().split()) if turn.role == "agent" else frozenset()
            context = DialogueContext(keep_names=keep)
            question = turn.text
        started = time.perf_counter()
        result = anonymizer.anonymize(turn.text, placeholders=mapping, context=context)
        if times is not None:
            times["dialogue"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            anonymizer.anonymize(turn.text)
            times["alone"].append((time.perf_counter() - started) * 1000)
        mapping = result.placeholders
        predictions.append([(e.entity_type, e.start, e.end) for e in result.entities])
    return predictions


def score(dialogues: list[Dialogue], predictions: list[list[list[Pred]]], types: frozenset[str] | None = None) -> dict:
    found, gold, correct, predicted = Counter(), Counter(), Counter(), Counter()
    free_turns = free_altered = 0
    misses, false = [], []
    for dialogue, preds in zip(dialogues, predictions):
        for turn, turn_preds in zip(dialogue.turns, preds):
            golds = [(s["type"], s["start"], s["end"]) for s in turn.spans if types is None or s["type"] in types]
            turn_preds = [p for p in turn_preds if types is None or p[0] in types]
            if not turn.spans:
                free_turns += 1
                free_altered += bool(turn_preds)
            for t, s, e in golds:
                gold[t] += 1
                hit = any(pt == t and ps < e and pe > s for pt, ps, pe in turn_preds)
                found[t] += hit
                if not hit:
                    misses.append((t, turn.text[s:e], turn.text))
            for t, s, e in turn_preds:
                predicted[t] += 1
                ok = any(gt == t and gs < e and ge > s for gt, gs, ge in golds)
                correct[t] += ok
                if not ok:
                    false.append((t, turn.text[s:e], turn.text))
    table = {}
    for t in sorted(set(gold) | set(predicted)):
        p = correct[t] / predicted[t] if predicted[t] else 1.0
        r = found[t] / gold[t] if gold[t] else 1.0
        table[t] = {"gold": gold[t], "pred": predicted[t], "precision": p, "recall": r, "f2": f_beta(p, r)}
    p_all = sum(correct.values()) / max(1, sum(predicted.values()))
    r_all = sum(found.values()) / max(1, sum(gold.values()))
    table["OVERALL"] = {"gold": sum(gold.values()), "pred": sum(predicted.values()), "precision": p_all,
                        "recall": r_all, "f2": f_beta(p_all, r_all)}
    return {"types": table, "free_turns": free_turns, "free_altered": free_altered,
            "over_scrub_rate": free_altered / max(1, free_turns), "misses": misses, "false_positives": false}


def stock_predictions(detect: Callable[[str], list[Pred]], dialogues: list[Dialogue]) -> list[list[list[Pred]]]:
    return [[detect(turn.text) for turn in d.turns] for d in dialogues]


def main(argv: list[str] | None = None) -> int:
    ensure_hash_seed()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=TEST_SEED)
    parser.add_argument("--n", type=int, default=400, help="dialogues")
    parser.add_argument("--set", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--errors", type=int, default=0, help="print up to N misses and false positives")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    dialogues = generate_dialogues(args.seed, args.n, heldout=args.set == "heldout")
    config = PiiConfig()
    anonymizer = Anonymizer(config).warm_up()
    times: dict[str, list[float]] = {"dialogue": [], "alone": []}
    ours = score(dialogues, [replay(anonymizer, d, times) for d in dialogues])
    latency = {k: {"p50_ms": statistics.median(v), "p95_ms": sorted(v)[int(0.95 * (len(v) - 1))]} for k, v in times.items()}
    turns = sum(len(d.turns) for d in dialogues)
    print(f"machine: {platform.machine()}, nproc={os.cpu_count()}, seed={args.seed}, set={args.set}, "
          f"dialogues={len(dialogues)}, turns={turns}, PII-free turns={ours['free_turns']}\n")
    print("| type | gold | P | R |")
    print("|---|---|---|---|")
    for t, row in ours["types"].items():
        print(f"| {t} | {row['gold']} | {row['precision']:.3f} | {row['recall']:.3f} |")
    print(f"\nover-scrub: {ours['free_altered']}/{ours['free_turns']} PII-free turns altered = {ours['over_scrub_rate']:.4f}")
    print(f"anonymize() per turn, in the dialogue: p50 {latency['dialogue']['p50_ms']:.2f} ms, p95 {latency['dialogue']['p95_ms']:.2f} ms; "
          f"the same text alone: p50 {latency['alone']['p50_ms']:.2f} ms, p95 {latency['alone']['p95_ms']:.2f} ms; "
          f"load average {os.getloadavg()[0]:.1f}")
    figures = {"seed": args.seed, "set": args.set, "dialogues": len(dialogues), "turns": turns,
               "ours": {k: v for k, v in ours.items() if k not in ("misses", "false_positives")}, "latency": latency,
               "load_average_1m": os.getloadavg()[0]}
    if not args.no_baseline:
        ours_cov = score(dialogues, [replay(anonymizer, d) for d in dialogues], STOCK_COVERED)
        base = score(dialogues, stock_predictions(stock(config.spacy_model), dialogues), STOCK_COVERED)
        o, b = ours_cov["types"]["OVERALL"], base["types"]["OVERALL"]
        ratio = o["f2"] / b["f2"] if b["f2"] else float("inf")
        print(f"\nover the types stock Presidio recognizes ({', '.join(sorted(STOCK_COVERED))}):")
        print(f"ours P {o['precision']:.3f} R {o['recall']:.3f} F2 {o['f2']:.3f}; stock P {b['precision']:.3f} "
              f"R {b['recall']:.3f} F2 {b['f2']:.3f}, over-scrub {base['over_scrub_rate']:.4f}; ours/stock F2 = {ratio:.2f}")
        for t in sorted(STOCK_COVERED & set(base["types"])):
            print(f"  {t}: stock R {base['types'][t]['recall']:.3f} P {base['types'][t]['precision']:.3f}")
        figures["stock_covered"] = {"ours": o, "stock": base["types"], "stock_over_scrub_rate": base["over_scrub_rate"],
                                    "ratio_f2": ratio}
    if args.errors:
        for kind in ("misses", "false_positives"):
            print(f"\n{kind}:")
            for t, value, text in ours[kind][:args.errors]:
                print(f"  {t} {value!r} in {text!r}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
