"""The serve-time check of one generated sentence against the passages it cites.

A sentence is shown only when it claims no action, every checkable fact in it (facts.py) appears in
a passage it cites, enough of its content words appear there, and (when the caller measured it) the
encoder finds a passage sentence close enough in meaning. A sentence that cites nothing is checked
against every passage of the turn; a short courtesy sentence with no facts ("Happy to help.") passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from training.ml.answers.actions import claims_action
from training.ml.answers.facts import facts, missing_facts
from training.ml.answers.text import cited_numbers, content_words, word_overlap

COURTESY_MAX_WORDS = 2


@dataclass(frozen=True)
class GroundingRules:
    min_overlap: float = 0.6  # share of the sentence's content words found in its cited passages
    min_similarity: float = 0.55  # cosine of the sentence and its closest cited passage sentence


@dataclass(frozen=True)
class SentenceCheck:
    sentence: str
    supported: bool
    passages: tuple[int, ...]  # 1-based numbers of the passages it was checked against
    reasons: tuple[str, ...] = field(default_factory=tuple)  # why it is not shown (empty when supported)
    overlap: float | None = None
    similarity: float | None = None


def passages_checked(sentence: str, count: int) -> tuple[int, ...]:
    """The in-range passages a sentence cites; all of them when it cites none in range."""
    cited = tuple(n for n in cited_numbers(sentence) if 1 <= n <= count)
    return cited or tuple(range(1, count + 1))


def is_courtesy(sentence: str) -> bool:
    return len(content_words(sentence)) <= COURTESY_MAX_WORDS and not facts(sentence) and not cited_numbers(sentence)


def _check_against(sentence: str, numbers: tuple[int, ...], passages: Sequence[str], similarity: float | None,
                   rules: GroundingRules) -> SentenceCheck:
    reasons: list[str] = []
    cited_text = [passages[n - 1] for n in numbers]
    if not cited_text:
        reasons.append("there is no passage to support it")
    missing = missing_facts(sentence, cited_text)
    if missing:
        reasons.append("not in its cited passage: " + ", ".join(f.split(":", 1)[1] for f in missing))
    overlap = max([word_overlap(sentence, p) for p in cited_text] + [word_overlap(sentence, " ".join(cited_text))]) if cited_text else 0.0
    if overlap < rules.min_overlap:
        reasons.append(f"only {overlap:.0%} of its content words are in its cited passage")
    if similarity is not None and similarity < rules.min_similarity:
        reasons.append(f"its meaning is too far from its cited passage (cosine {similarity:.2f})")
    return SentenceCheck(sentence, not reasons, numbers, tuple(reasons), round(overlap, 4),
                         None if similarity is None else round(similarity, 4))


def check_sentence(sentence: str, passages: Sequence[str], *, similarity: float | None = None,
                   rules: GroundingRules = GroundingRules()) -> SentenceCheck:
    """Whether ``sentence`` may be shown. ``similarity``: the encoder's best cosine of the sentence
    against the sentences of the passages it cites (None: not measured, the lexical rules decide).

    A sentence citing in-range passages is checked against them together; one citing none must be
    supported by a single passage (facts are never pooled from passages it did not name).
    """
    numbers = passages_checked(sentence, len(passages))
    if claims_action(sentence):
        return SentenceCheck(sentence, False, numbers, ("claims an action the bot cannot take",), None, similarity)
    if is_courtesy(sentence):
        return SentenceCheck(sentence, True, numbers, (), None, similarity)
    cited = tuple(n for n in cited_numbers(sentence) if 1 <= n <= len(passages))
    groups = [cited] if cited else [(n,) for n in numbers]
    checks = [_check_against(sentence, group, passages, similarity, rules) for group in groups]
    if not checks:
        return SentenceCheck(sentence, False, numbers, ("there is no passage to support it",), 0.0, similarity)
    return min(checks, key=lambda c: (not c.supported, len(c.reasons), -(c.overlap or 0.0)))
