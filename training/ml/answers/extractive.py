"""The extractive answer: the passage sentences that answer the question, in reading order, cited.

Nothing is generated, so nothing can be invented: each sentence is a sentence of a retrieved passage,
scored by the encoder's cosine with the question (mixed with the customer's recent turns), a small
bonus for the top-ranked passage and for sharing the question's words. The best sentence must reach
``min_score``; up to ``max_sentences - 1`` more from the same passage join it when they score within
``keep_within`` of it (its neighbours within ``neighbour_within``). Otherwise there is no answer and
the caller hands off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from training.ml.answers.text import cite, content_words, split_sentences, strip_citations

Embed = Callable[[list[str], list[str]], tuple[Any, Any]]
"""(queries, passage sentences) -> their (n, d) L2-normalised float arrays; the caller may cache the second."""


@dataclass(frozen=True)
class ExtractiveRules:
    # Defaults chosen on the dev split (bench/tiers/extractive_dev.py, bench/results/extractive_dev.json).
    min_score: float = 0.5
    history_weight: float = 0.3
    top_passage_bonus: float = 0.03
    lexical_weight: float = 0.1
    keep_within: float = 0.1
    # The sentence right after (or before) the best one continues it more often than not ("Tap Cards >
    # Activate card. Enter the last 4 digits..."): it joins when it scores within this of the best.
    neighbour_within: float = 0.3
    max_sentences: int = 3
    max_chars: int = 480
    min_words: int = 4


@dataclass(frozen=True)
class Candidate:
    text: str
    passage: int  # 1-based: the [n] it is cited by
    position: int  # order inside its passage
    score: float = 0.0


@dataclass(frozen=True)
class ExtractiveAnswer:
    sentences: tuple[Candidate, ...]
    best_score: float | None  # the best candidate's score, answered or not (None: no candidates)

    @property
    def answered(self) -> bool:
        return bool(self.sentences)

    @property
    def text(self) -> str:
        return " ".join(cite(c.text, c.passage) for c in self.sentences)

    def pieces(self) -> list[str]:
        """The reply as it streams: one cited sentence at a time, spaced."""
        return [("" if i == 0 else " ") + cite(c.text, c.passage) for i, c in enumerate(self.sentences)]


def candidates(passages: Sequence[str], *, min_words: int = 4) -> list[Candidate]:
    """Every statement of every passage (questions and fragments are not answers)."""
    found = []
    for number, passage in enumerate(passages, start=1):
        for position, sentence in enumerate(split_sentences(strip_citations(passage))):
            if sentence.endswith("?") or len(sentence.split()) < min_words:
                continue
            found.append(Candidate(sentence, number, position))
    return found


def _query_vector(vectors: Any, turns: int, weight: float) -> Any:
    import numpy as np

    q = np.asarray(vectors[0], dtype="float32")
    if turns and weight > 0:
        q = q + weight * np.asarray(vectors[1:1 + turns], dtype="float32").mean(axis=0)
    return q / max(float(np.linalg.norm(q)), 1e-12)


def score_candidates(*, question: str, history: Sequence[str], found: list[Candidate], embed: Embed,
                     rules: ExtractiveRules) -> list[Candidate]:
    turns = [t for t in history if t.strip()][-3:]
    query_vectors, sentence_vectors = embed([question, *turns], [c.text for c in found])
    q = _query_vector(query_vectors, len(turns), rules.history_weight)
    sims = sentence_vectors @ q
    asked = content_words(" ".join([question, *turns[-1:]]))
    scored = []
    for c, sim in zip(found, sims, strict=True):
        lexical = len(asked & content_words(c.text)) / len(asked) if asked else 0.0
        score = float(sim) + rules.lexical_weight * lexical + (rules.top_passage_bonus if c.passage == 1 else 0.0)
        scored.append(Candidate(c.text, c.passage, c.position, round(score, 6)))
    return scored


def extract_answer(*, question: str, history: Sequence[str], passages: Sequence[str], embed: Embed,
                   rules: ExtractiveRules = ExtractiveRules()) -> ExtractiveAnswer:
    """The sentences that answer ``question`` (oldest customer turn first in ``history``), or none."""
    found = candidates(passages, min_words=rules.min_words)
    if not found:
        return ExtractiveAnswer((), None)
    scored = score_candidates(question=question, history=history, found=found, embed=embed, rules=rules)
    best = max(scored, key=lambda c: c.score)
    if best.score < rules.min_score:
        return ExtractiveAnswer((), best.score)
    chosen, chars = [best], len(best.text)
    for c in sorted(scored, key=lambda c: -c.score):
        if len(chosen) >= rules.max_sentences:
            break
        if c is best or c.passage != best.passage:
            continue
        within = rules.neighbour_within if abs(c.position - best.position) == 1 else rules.keep_within
        if c.score < best.score - within:
            continue
        if chars + len(c.text) > rules.max_chars:
            continue
        chosen.append(c)
        chars += len(c.text)
    chosen.sort(key=lambda c: c.position)
    return ExtractiveAnswer(tuple(chosen), best.score)
