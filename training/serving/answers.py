"""The two answer tiers behind the pipeline's Responder seam.

- ``ExtractiveTier``: needs only the active index. It answers with the retrieved passages' own
  sentences (training/ml/answers/extractive.py), scored with a private copy of the index's encoder,
  cited and streamed at once; nothing good enough: NoAnswer(nothing_relevant).
- ``GenerativeTier``: the fine-tuned responder, checked sentence by sentence before anything is
  shown (training/ml/answers/grounding.py). A sentence that fails ends the reply there; when nothing
  was shown yet, the extractive answer is given instead, or NoAnswer(unsupported_answer). A sentence
  cut off by the token limit is dropped, so replies end on a sentence boundary.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings

from conversations.bot.pipeline import Classification, HandoffReason, NoAnswer, Source, TierChange, Turn
from conversations.models import Message
from training.ml.answers import (
    ExtractiveAnswer,
    ExtractiveRules,
    GroundingRules,
    SentenceCheck,
    check_sentence,
    cite,
    cited_numbers,
    extract_answer,
    is_courtesy,
    keep_citations,
    passages_checked,
    split_sentences,
    strip_citations,
)
from training.ml.answers.text import ends_sentence
from training.ml.common.batching import MicroBatcher
from training.ml.responder.evaluate import HANDOFF_PATTERN
from training.ml.retrieval.encoder import encode

CACHE_SENTENCES = 20_000
HISTORY_TURNS = 3


class SentenceEmbedder:
    """Embeds with its own copy of an encoder (a fast tokenizer must not serve two threads at once), one
    forward pass for what concurrent messages ask together; passage sentences are cached, questions not."""

    def __init__(self, encoder: Any) -> None:
        self._encoder = copy.deepcopy(encoder)
        self._batch = MicroBatcher(self._encode_batch)
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def _encode_batch(self, items: Sequence[tuple[str, ...]]) -> list[Any]:
        flat = [t for item in items for t in item]
        vectors = encode(self._encoder, flat)
        out, start = [], 0
        for item in items:
            out.append(vectors[start:start + len(item)])
            start += len(item)
        return out

    def __call__(self, queries: list[str], sentences: list[str]) -> tuple[Any, Any]:
        import numpy as np

        with self._lock:
            missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        vectors = self._batch((*queries, *missing)) if queries or missing else np.zeros((0, 1), "float32")
        with self._lock:
            for text, vector in zip(missing, vectors[len(queries):], strict=True):
                self._cache[text] = vector
                if len(self._cache) > CACHE_SENTENCES:
                    self._cache.popitem(last=False)
            known = [self._cache[s] for s in sentences]
        dim = vectors.shape[1] if len(vectors) else (known[0].shape[0] if known else 1)
        sentence_vectors = np.vstack(known) if known else np.zeros((0, dim), "float32")
        return vectors[:len(queries)], sentence_vectors


def _customer_turns(history: list[Turn]) -> list[str]:
    return [t.text for t in history if t.role == Message.Role.CUSTOMER][-HISTORY_TURNS:]


def extractive_rules() -> ExtractiveRules:
    return ExtractiveRules(min_score=settings.ANSWER_EXTRACTIVE_MIN_SCORE, keep_within=settings.ANSWER_EXTRACTIVE_KEEP_WITHIN,
                           max_sentences=settings.ANSWER_EXTRACTIVE_MAX_SENTENCES)


def article_texts(retriever: Any) -> dict[int, str]:
    """Each indexed article's whole text, paragraph by paragraph, as the served index holds it."""
    paragraphs: dict[int, list[str]] = {}
    for passage in getattr(retriever, "passages", ()):
        if str(passage.article_id).isdigit():
            paragraphs.setdefault(int(passage.article_id), []).append(passage.text)
    return {article_id: "\n\n".join(texts) for article_id, texts in paragraphs.items()}


class ExtractiveTier:
    """Answers from the whole articles retrieval found (the best passage alone often holds the question's
    subject but not its answer, which the next paragraph gives)."""

    tier = "extractive"
    version = None  # no responder model: the reply is the index's own text

    def __init__(self, embedder: SentenceEmbedder, articles: dict[int, str] | None = None) -> None:
        self.embed, self.articles = embedder, articles or {}

    def sources_for(self, sources: list[Source]) -> list[Source]:
        return [dataclasses.replace(s, passage=self.articles.get(s.article_id) or s.passage) for s in sources]

    def answer(self, *, text: str, history: list[Turn], sources: list[Source]) -> ExtractiveAnswer:
        return extract_answer(question=text, history=_customer_turns(history), passages=[s.passage for s in sources],
                              embed=self.embed, rules=extractive_rules())

    def generate(self, *, text: str, history: list[Turn], classification: Classification, sources: list[Source]) -> Iterator[str]:
        answer = self.answer(text=text, history=history, sources=sources)
        if not answer.answered:
            raise NoAnswer(HandoffReason.NOTHING_RELEVANT, f"best passage sentence scored {answer.best_score}")
        yield from answer.pieces()


class GenerativeTier:
    """The fine-tuned responder behind the serve-time check (``check``: the verdict on one sentence)."""

    tier = "generative"

    def __init__(self, responder: Any, extractive: ExtractiveTier) -> None:
        self.responder, self.extractive = responder, extractive
        self.version = responder.version

    def check(self, sentence: str, passages: list[str]) -> SentenceCheck:
        import numpy as np

        rules = GroundingRules(min_overlap=settings.ANSWER_MIN_OVERLAP, min_similarity=settings.ANSWER_MIN_SIMILARITY)
        cited = [passages[n - 1] for n in passages_checked(sentence, len(passages))]
        pieces = [s for p in cited for s in split_sentences(strip_citations(p))]
        similarity = None
        if pieces:
            query, sentences = self.extractive.embed([strip_citations(sentence)], pieces)
            similarity = float(np.max(sentences @ query[0]))
        return check_sentence(sentence, passages, similarity=similarity, rules=rules)

    def generate(self, *, text: str, history: list[Turn], classification: Classification,
                 sources: list[Source]) -> Iterator[str | TierChange]:
        passages = [s.passage for s in sources]
        shown = 0
        for sentence in self._sentences(text=text, history=history, classification=classification, sources=sources):
            sentence = keep_citations(sentence, len(sources)).strip()
            verdict = self.check(sentence, passages)
            if HANDOFF_PATTERN.search(sentence) or not verdict.supported:
                break
            if not cited_numbers(sentence) and len(verdict.passages) == 1 and not is_courtesy(sentence):
                # Supported by one passage without naming it: the customer is told which one.
                sentence = cite(sentence, verdict.passages[0])
            yield (" " if shown else "") + sentence
            shown += 1
        if shown:
            return
        answer = self.extractive.answer(text=text, history=history, sources=sources)
        if not answer.answered:
            raise NoAnswer(HandoffReason.UNSUPPORTED_ANSWER, "no generated sentence was supported and no passage sentence answers")
        yield TierChange(self.extractive.tier)
        yield from answer.pieces()

    def _sentences(self, **inputs: Any) -> Iterator[str]:
        """The generated reply's complete sentences, each as soon as the next one starts (or the reply ends)."""
        stream = self.responder.generate(**inputs)
        buffer = ""
        try:
            for chunk in stream:
                buffer += chunk
                sentences = split_sentences(buffer)
                if len(sentences) > 1:
                    yield from sentences[:-1]
                    buffer = buffer[buffer.rfind(sentences[-1]):]
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if buffer.strip() and ends_sentence(buffer.strip()):
            yield buffer.strip()
