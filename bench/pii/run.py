"""Detection quality and latency of conversations.pii on the synthetic set.

    .venv/bin/python bench/pii/run.py                 # reported figures (test seed)
    .venv/bin/python bench/pii/run.py --seed 1        # dev set used for tuning

Matching is span level: a predicted span is correct when it overlaps a gold
span of the same entity type; a gold span is found when some prediction of its
type overlaps it. Precision is counted over predictions, recall over gold
spans, F2 = 5PR / (4P + R). "Leaked chars" is the share of gold PII characters
not covered by any prediction of any type (what would reach storage in clear).

Latency is per message for Anonymizer.detect() after warm-up; p50 and p95 are
taken in each of --repeats runs and the median over runs is reported.
The baseline is Presidio's stock AnalyzerEngine (default recognizers, default
spaCy NER configuration, same spaCy model, score threshold 0), types mapped onto
ours; a stock result contained in a higher-scoring one is dropped (what
Presidio's anonymizer does with overlaps).
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
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import TEST_SEED, Sentence, ensure_hash_seed, generate  # noqa: E402

from conversations.pii import Anonymizer, PiiConfig  # noqa: E402

STRUCTURED = ("EMAIL", "PHONE", "CARD", "IBAN", "IP", "SSN")
STOCK_TYPES = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP", "US_SSN": "SSN", "PERSON": "PERSON", "LOCATION": "LOCATION",
    "DATE_TIME": "DATE_OF_BIRTH", "US_BANK_NUMBER": "ACCOUNT_NUMBER", "URL": "URL",
}
Pred = tuple[str, int, int]


def f_beta(p: float, r: float, beta: float = 2.0) -> float:
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0


def score(sentences: Sequence[Sentence], predictions: Sequence[list[Pred]]) -> dict[str, dict[str, float]]:
    found, gold, correct, predicted = Counter(), Counter(), Counter(), Counter()
    leaked = total_chars = 0
    for sentence, preds in zip(sentences, predictions):
        golds = [(s["type"], s["start"], s["end"]) for s in sentence.spans]
        for t, s, e in golds:
            gold[t] += 1
            found[t] += any(pt == t and ps < e and pe > s for pt, ps, pe in preds)
            covered = sum(1 for i in range(s, e) if any(ps <= i < pe for _, ps, pe in preds))
            leaked += (e - s) - covered
            total_chars += e - s
        for t, s, e in preds:
            predicted[t] += 1
            correct[t] += any(gt == t and gs < e and ge > s for gt, gs, ge in golds)
    table: dict[str, dict[str, float]] = {}
    for t in sorted(set(gold) | set(predicted)):
        p = correct[t] / predicted[t] if predicted[t] else (1.0 if not gold[t] else 0.0)
        r = found[t] / gold[t] if gold[t] else 1.0
        table[t] = {"gold": gold[t], "pred": predicted[t], "precision": p, "recall": r, "f2": f_beta(p, r)}
    p_all = sum(correct.values()) / max(1, sum(predicted.values()))
    r_all = sum(found.values()) / max(1, sum(gold.values()))
    table["OVERALL"] = {
        "gold": sum(gold.values()), "pred": sum(predicted.values()), "precision": p_all, "recall": r_all,
        "f2": f_beta(p_all, r_all), "leaked_chars": leaked / max(1, total_chars),
    }
    return table


def timed_run(detect: Callable[[str], list[Pred]], texts: Sequence[str]) -> tuple[list[list[Pred]], list[float], list[float]]:
    preds, times, cpu = [], [], []
    for text in texts:
        start, start_cpu = time.perf_counter(), time.process_time()
        preds.append(detect(text))
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return preds, times, cpu


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency(detect: Callable[[str], list[Pred]], texts: Sequence[str], repeats: int) -> tuple[list[list[Pred]], dict[str, float]]:
    p50s, p95s, means, cpu50s = [], [], [], []
    preds: list[list[Pred]] = []
    for _ in range(repeats):
        preds, times, cpu = timed_run(detect, texts)
        p50s.append(percentile(times, 0.5))
        p95s.append(percentile(times, 0.95))
        means.append(statistics.fmean(times))
        cpu50s.append(percentile(cpu, 0.5))
    return preds, {
        "p50_ms": statistics.median(p50s), "p95_ms": statistics.median(p95s), "mean_ms": statistics.median(means),
        "cpu_p50_ms": statistics.median(cpu50s),
    }


def ours(config: PiiConfig) -> Callable[[str], list[Pred]]:
    anonymizer = Anonymizer(config).warm_up()
    return lambda text: [(e.entity_type, e.start, e.end) for e in anonymizer.detect(text)]


def stock(model: str) -> Callable[[str], list[Pred]]:
    from presidio_analyzer import AnalyzerEngine

    from conversations.pii.nlp import create_stock_nlp_engine
    from conversations.pii.offline import patch_presidio_email_recognizer

    patch_presidio_email_recognizer()  # else tldextract tries to download offline
    engine = AnalyzerEngine(nlp_engine=create_stock_nlp_engine(model, "en"), supported_languages=["en"])

    def detect(text: str) -> list[Pred]:
        results = engine.analyze(text, language="en")
        kept = [
            r for r in results
            if not any(o is not r and o.start <= r.start and r.end <= o.end and (o.score, o.end - o.start) > (r.score, r.end - r.start) for o in results)
        ]
        return [(STOCK_TYPES.get(r.entity_type, r.entity_type), r.start, r.end) for r in kept]

    return detect


def intents_false_positives(detect: Callable[[str], list[Pred]]) -> tuple[int, int, Counter[str]]:
    path = ROOT / "conversations" / "demo_data" / "intents.json"
    if not path.exists():
        return 0, 0, Counter()
    examples = [ex for intent in json.loads(path.read_text()) for ex in intent.get("examples", [])]
    flagged, types = 0, Counter()
    for text in examples:
        preds = detect(text)
        flagged += bool(preds)
        types.update(t for t, _, _ in preds)
    return flagged, len(examples), types


def markdown(table: dict[str, dict[str, float]], baseline: dict[str, dict[str, float]] | None) -> str:
    head = "| type | gold | P | R | F2 |" + (" stock F2 |" if baseline else "")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for t, row in table.items():
        cells = f"| {t} | {row['gold']} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f2']:.3f} |"
        if baseline:
            cells += f" {baseline[t]['f2']:.3f} |" if t in baseline else " n/a |"
        lines.append(cells)
    return "\n".join(lines)


def evaluate(name: str, sentences: list[Sentence], detect: Callable[[str], list[Pred]], stock_detect: Callable[[str], list[Pred]] | None, repeats: int) -> dict[str, object]:
    texts = [s.text for s in sentences]
    preds, lat = latency(detect, texts, repeats)
    table = score(sentences, preds)
    result: dict[str, object] = {"name": name, "ours": table, "latency": lat, "preds": preds}
    if stock_detect is not None:
        stock_preds, stock_lat = latency(stock_detect, texts, 1)
        result["stock"] = score(sentences, stock_preds)
        result["stock_latency"] = stock_lat
    return result


def report(result: dict[str, object], sentences: list[Sentence], repeats: int) -> None:
    table = result["ours"]
    baseline = result.get("stock")
    lat = result["latency"]
    overall = table["OVERALL"]
    print(f"### {result['name']}: n={len(sentences)} with_pii={sum(s.has_pii for s in sentences)} gold_spans={overall['gold']}\n")
    print(markdown(table, baseline))
    structured = min(table[t]["recall"] for t in STRUCTURED if t in table)
    print(f"\nleaked PII characters: {overall['leaked_chars']:.4f}; min recall over {', '.join(STRUCTURED)}: {structured:.3f}")
    print(
        f"latency ours (median of {repeats} runs): p50 {lat['p50_ms']:.2f} ms, p95 {lat['p95_ms']:.2f} ms, "
        f"mean {lat['mean_ms']:.2f} ms; CPU time p50 {lat['cpu_p50_ms']:.2f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    if baseline:
        stock_lat = result["stock_latency"]
        ratio = overall["f2"] / baseline["OVERALL"]["f2"] if baseline["OVERALL"]["f2"] else float("inf")
        print(
            f"stock Presidio: P {baseline['OVERALL']['precision']:.3f} R {baseline['OVERALL']['recall']:.3f} "
            f"F2 {baseline['OVERALL']['f2']:.3f}, leaked chars {baseline['OVERALL']['leaked_chars']:.4f}, "
            f"p50 {stock_lat['p50_ms']:.2f} ms, p95 {stock_lat['p95_ms']:.2f} ms, CPU p50 {stock_lat['cpu_p50_ms']:.2f} ms; "
            f"ours/stock F2 = {ratio:.2f}"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    ensure_hash_seed()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=TEST_SEED)
    parser.add_argument("--n", type=int, default=1200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sets", default="seen,heldout", help="seen (tuning templates), heldout (never tuned on)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--errors", type=int, default=0, help="print up to N misses / false positives per set")
    parser.add_argument("--json", help="write all figures to this file")
    args = parser.parse_args(argv)

    config = PiiConfig()
    detect = ours(config)
    stock_detect = None if args.no_baseline else stock(config.spacy_model)
    print(f"machine: {platform.machine()}, nproc={os.cpu_count()}, python {platform.python_version()}, seed={args.seed}\n")
    figures = {}
    for name in args.sets.split(","):
        heldout = name == "heldout"
        sentences = generate(args.seed, args.n, heldout=heldout)
        title = "held-out templates" if heldout else "tuning templates, new values"
        result = evaluate(title, sentences, detect, stock_detect, args.repeats)
        report(result, sentences, args.repeats)
        if args.errors:
            _print_errors(sentences, result["preds"], args.errors)
        figures[name] = {k: v for k, v in result.items() if k != "preds"}
    flagged, n_intents, fp_types = intents_false_positives(detect)
    print(f"demo intents (no PII expected) with any detection: {flagged}/{n_intents} {dict(fp_types)}")
    if args.json:
        figures["intents"] = {"flagged": flagged, "total": n_intents, "types": dict(fp_types)}
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


def _print_errors(sentences: Sequence[Sentence], predictions: Sequence[list[Pred]], limit: int) -> None:
    shown = 0
    for sentence, preds in zip(sentences, predictions):
        golds = [(s["type"], s["start"], s["end"]) for s in sentence.spans]
        misses = [g for g in golds if not any(p[0] == g[0] and p[1] < g[2] and p[2] > g[1] for p in preds)]
        wrong = [p for p in preds if not any(g[0] == p[0] and g[1] < p[2] and g[2] > p[1] for g in golds)]
        if misses or wrong:
            t = sentence.text
            print(f"\n[{sentence.locale}] {t!r}")
            for g in misses:
                print(f"   MISS {g[0]} {t[g[1]:g[2]]!r}")
            for p in wrong:
                print(f"   FP   {p[0]} {t[p[1]:p[2]]!r}")
            shown += 1
            if shown >= limit:
                return


if __name__ == "__main__":
    raise SystemExit(main())
