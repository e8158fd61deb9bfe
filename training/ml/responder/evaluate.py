"""Evaluation of a responder on (input, reference reply) pairs; the definitions are in docs/training.md.

- perplexity: exp(total NLL / total reply tokens) of the reference replies (end of turn included)
  given their prompts, token-weighted over all pairs.
- rouge_l_f1: mean ROUGE-L F1 (rouge-score, Porter stemming) of generated vs reference reply,
  citation markers removed from both.
- groundedness: supported / counted sentences over all generated replies (see ``sentence_support``).
- citation_accuracy: over pairs with gold articles, the share of replies citing at least one of them;
  citation_precision: cited gold articles / all cited articles over those pairs.
- no_citation_rate: share of replies citing nothing; handoff_rate: share containing a hand-off phrase;
  handoff_recall: over pairs without gold articles (a hand-off is expected), the share that hand off.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.ml.responder.data import Pair, encode_pairs, validate_pairs
from training.ml.responder.generate import LoadedResponder, TorchStreamer, load_responder
from training.ml.responder.modeling import load_model_dir, perplexity, reply_nll
from training.ml.responder.prompt import SourcePassage

SUPPORT_THRESHOLD = 0.6
HANDOFF_PATTERN = re.compile(
    r"\b(colleague|pass (you|this|it|the conversation|your question)|human|team member|someone from)\b", re.IGNORECASE
)
_MARKER = re.compile(r"\[\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
STOPWORDS = frozenset(
    "a about above after again all also am an and any are as at be been before being below between both but by "
    "can could did do does doing down during each few for from further had has have having he her here hers him "
    "his how i if in into is it its itself just let me more most my no nor not now of off on once only or other "
    "our ours out over own same she should so some such than that the their theirs them then there these they "
    "this those through to too under until up very was we were what when where which while who whom why will "
    "with would you your yours yourself ll re ve don doesn didn isn aren won cant please".split()
)


def content_words(text: str) -> set[str]:
    """Lower-cased words and numbers minus stop words, with a crude plural stem (cards -> card)."""
    words = set()
    for word in _WORD.findall(_MARKER.sub(" ", text.lower().replace("'", ""))):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return words


def sentence_support(sentence: str, passage_words: set[str]) -> float | None:
    """Share of the sentence's content words found in the cited passages; None when the sentence is
    not counted (a bare citation, no content words, or a hand-off phrase)."""
    if HANDOFF_PATTERN.search(sentence):
        return None
    words = content_words(sentence)
    if not words:
        return None
    return len(words & passage_words) / len(words)


def grounded_sentences(text: str, cited: Sequence[SourcePassage]) -> tuple[int, int]:
    """(supported, counted) sentences of a reply; supported means support >= SUPPORT_THRESHOLD."""
    passage_words: set[str] = set()
    for passage in cited:
        passage_words |= content_words(f"{passage.title} {passage.text}")
    supported = counted = 0
    for sentence in _SENTENCE.split(text):
        share = sentence_support(sentence, passage_words)
        if share is not None:
            counted += 1
            supported += share >= SUPPORT_THRESHOLD
    return supported, counted


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def evaluate(responder_or_path: LoadedResponder | str | Path, pairs: Sequence[Pair], *,
             compute_perplexity: bool = True, **generation: Any) -> dict[str, Any]:
    """Generate a reply for every pair and score it; ``generation`` overrides the artifact's defaults."""
    from rouge_score import rouge_scorer

    validate_pairs(pairs, min_pairs=1)
    responder = responder_or_path if isinstance(responder_or_path, LoadedResponder) else load_responder(responder_or_path)
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    records: list[dict[str, Any]] = []
    started = time.perf_counter()
    for pair in pairs:
        answer = responder.answer(pair.input, **generation)
        supported, counted = grounded_sentences(answer.text, answer.cited_passages)
        gold, cited = set(pair.gold_article_ids), answer.cited_article_ids
        rouge = scorer.score(_MARKER.sub("", pair.reply), _MARKER.sub("", answer.text))["rougeL"].fmeasure
        records.append({
            "question": pair.input.question, "reference": pair.reply, "reply": answer.text,
            "cited_article_ids": cited, "gold_article_ids": sorted(gold), "rouge_l_f1": rouge,
            "sentences_supported": supported, "sentences_counted": counted,
            "handoff": bool(HANDOFF_PATTERN.search(answer.text)),
            "citation_hit": bool(gold & set(cited)) if gold else None,
        })
    seconds = time.perf_counter() - started
    with_gold = [r for r in records if r["gold_article_ids"]]
    without_gold = [r for r in records if not r["gold_article_ids"]]
    n_cited = sum(len(r["cited_article_ids"]) for r in with_gold)
    n_cited_gold = sum(len(set(r["cited_article_ids"]) & set(r["gold_article_ids"])) for r in with_gold)
    report: dict[str, Any] = {
        "n_pairs": len(records),
        "perplexity": _perplexity(responder, pairs, records) if compute_perplexity else None,
        "rouge_l_f1": sum(r["rouge_l_f1"] for r in records) / len(records),
        "groundedness": _ratio(sum(r["sentences_supported"] for r in records), sum(r["sentences_counted"] for r in records)),
        "citation_accuracy": _ratio(sum(r["citation_hit"] for r in with_gold), len(with_gold)),
        "citation_precision": _ratio(n_cited_gold, n_cited),
        "no_citation_rate": sum(not r["cited_article_ids"] for r in records) / len(records),
        "handoff_rate": sum(r["handoff"] for r in records) / len(records),
        "handoff_recall": _ratio(sum(r["handoff"] for r in without_gold), len(without_gold)),
        "generation_seconds": round(seconds, 2),
        "support_threshold": SUPPORT_THRESHOLD,
        "records": records,
    }
    return report


def _perplexity(responder: LoadedResponder, pairs: Sequence[Pair], records: list[dict[str, Any]]) -> float | None:
    """Reply-token perplexity with the torch model (loaded from the artifact when another backend serves)."""
    config = responder.meta.get("config", {})
    sizes = {"max_length": config.get("max_length", responder.max_prompt_tokens + 192),
             "max_prompt_tokens": responder.max_prompt_tokens, "max_reply_tokens": config.get("max_reply_tokens", 192)}
    encoded = encode_pairs(responder.tokenizer, pairs, **sizes)
    streamer = responder.streamer
    model = streamer.model if isinstance(streamer, TorchStreamer) else load_model_dir(responder.model_dir)
    pad_id = responder.tokenizer.pad_token_id if responder.tokenizer.pad_token_id is not None else 0
    nll = reply_nll(model, encoded, pad_id=pad_id, device=getattr(streamer, "device", "cpu"))
    for record, (total, tokens) in zip(records, nll, strict=True):
        record["reply_tokens"], record["reply_nll"] = tokens, total
    return perplexity(nll)
