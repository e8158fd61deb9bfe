"""The offline grounding checker: stricter than the serve-time one (training/ml/answers/grounding.py).

It needs no encoder, so a figure it produces depends on nothing but the text. A sentence of a reply
is supported only when all of these hold:

- it claims no action the bot cannot take ("I've frozen your card");
- it cites at least one passage in range (a sentence that cites nothing is not supported by its
  cited passages, whatever it says; serving checks such a sentence against every passage instead);
- every checkable fact in it (number, amount, duration, menu path, phone, URL) is in a cited passage;
- one sentence of a cited passage holds at least ``min_sentence_overlap`` of its content words, or the
  cited passages together hold at least ``min_passage_overlap`` of them (serving: 0.6 of the passage);
- it agrees in polarity with at least one close passage sentence (holding half its content words, or
  the closest): a word both share that follows "not", "never", "can't"... in one of them and not in
  the other is a contradiction, not support.

Short courtesy sentences with no facts and no citation ("Happy to help.") are not claims: they are
left out of the count, neither supported nor unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from training.ml.answers.actions import claims_action
from training.ml.answers.facts import missing_facts
from training.ml.answers.grounding import is_courtesy
from training.ml.answers.text import cited_numbers, content_words, split_sentences, word_overlap

_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|nobody|neither|nor|without|cannot|can't|can’t|won't|won’t|don't|don’t|"
    r"doesn't|doesn’t|didn't|didn’t|isn't|isn’t|aren't|aren’t|wasn't|wasn’t|shouldn't|shouldn’t|couldn't|"
    r"couldn’t|haven't|haven’t|hasn't|hasn’t|mustn't|mustn’t)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CheckerRules:
    min_sentence_overlap: float = 0.7
    min_passage_overlap: float = 0.9
    # Passage sentences this close are the ones whose polarity ("not", "never", "can't") must agree.
    min_polarity_overlap: float = 0.5


@dataclass(frozen=True)
class OfflineCheck:
    sentence: str
    supported: bool | None  # None: a courtesy sentence, not counted
    reasons: tuple[str, ...] = field(default_factory=tuple)


def negated_words(text: str, scope: int = 4) -> set[str]:
    """Content words within ``scope`` words after a negation ("don't accept credit cards" -> accept, credit, card)."""
    found: set[str] = set()
    for match in _NEGATION.finditer(text):
        following = text[match.end():].split()[:scope]
        found |= content_words(" ".join(following))
    return found


def contradicts(sentence: str, passage_sentence: str) -> bool:
    """A word both share is negated in one and not in the other."""
    shared = content_words(sentence) & content_words(passage_sentence)
    return bool(shared & (negated_words(sentence) ^ negated_words(passage_sentence)))


def _overlaps(sentence: str, passages: Sequence[str]) -> list[tuple[float, str]]:
    """Each sentence of the passages with the share of ``sentence``'s content words it holds, best first."""
    found = [(word_overlap(sentence, c), c) for p in passages for c in split_sentences(p)]
    return sorted(found, key=lambda pair: -pair[0])


def check_offline(sentence: str, passages: Sequence[str], *, rules: CheckerRules = CheckerRules()) -> OfflineCheck:
    """Whether ``sentence`` is supported by the passages it cites (``passages`` numbered from 1)."""
    if is_courtesy(sentence) and not claims_action(sentence):
        return OfflineCheck(sentence, None)
    reasons: list[str] = []
    if claims_action(sentence):
        reasons.append("claims an action the bot cannot take")
    cited = [passages[n - 1] for n in cited_numbers(sentence) if 1 <= n <= len(passages)]
    if not cited:
        reasons.append("cites no passage")
        return OfflineCheck(sentence, False, tuple(reasons))
    missing = missing_facts(sentence, cited)
    if missing:
        reasons.append("facts not in its cited passages: " + ", ".join(f.split(":", 1)[1] for f in missing))
    ranked = _overlaps(sentence, cited)
    overlap = ranked[0][0] if ranked else 0.0
    whole = word_overlap(sentence, " ".join(cited))
    near = [text for score, text in ranked if score >= rules.min_polarity_overlap] or [t for _, t in ranked[:1]]
    if overlap < rules.min_sentence_overlap and whole < rules.min_passage_overlap:
        reasons.append(f"closest passage sentence holds {overlap:.0%} of its content words (all cited: {whole:.0%})")
    elif all(contradicts(sentence, text) for text in near):
        reasons.append("contradicts its closest passage sentences (a negation in one and not the other)")
    return OfflineCheck(sentence, not reasons, tuple(reasons))


def check_reply(reply: str, passages: Sequence[str], *, rules: CheckerRules = CheckerRules()) -> list[OfflineCheck]:
    """Each sentence of ``reply`` checked against the passages its own [n] markers cite."""
    return [check_offline(s, passages, rules=rules) for s in split_sentences(reply) if content_words(s) or s.strip()]


@dataclass(frozen=True)
class Validation:
    n: int
    unsupported: int
    flagged: int
    true_positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.unsupported if self.unsupported else None


def validate(labelled: Sequence[tuple[str, Sequence[str], bool]], *, rules: CheckerRules = CheckerRules()) -> Validation:
    """Precision and recall of "unsupported" on hand-labelled (sentence, passages, supported) rows."""
    flagged = tp = unsupported = 0
    for sentence, passages, supported in labelled:
        verdict = check_offline(sentence, passages, rules=rules).supported
        is_flagged = verdict is False
        unsupported += not supported
        flagged += is_flagged
        tp += is_flagged and not supported
    return Validation(n=len(labelled), unsupported=unsupported, flagged=flagged, true_positives=tp)
