"""Which reference replies may teach the responder: no action claims, and `[n]` only where a passage supports it.

A bot cannot freeze a card, raise a claim or look at an account, so a target sentence that says it
did ("I've frozen your card", "I can see your transfer was sent") teaches it to claim what never
happened. Support is content-word overlap with a passage: the share of a sentence's distinct content
words (lower-cased, stop words and citation markers out, a final plural s cut) found in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from training.ml.answers.text import cite, content_words
from training.ml.answers.text import word_overlap as support

# A first-person agent doing, having done, offering to do or seeing something only a person with
# the customer's account open can. "We'll send a replacement" (what the bank does once the customer
# reports) is a fact of the process, not a claim, and is left alone.
_ACTION_CLAIM = re.compile(
    r"\b(?:i(?:'ve| have| had|'ll| will|'d| would| can| could| just| already|'m going to| am going to)"
    r"|let me|allow me|i(?='ve| have))\s+(?:\w+\s+){0,3}?"
    r"(?:froze|frozen|freeze|unfroze|unfrozen|unfreeze|raised?|cancell?ed|cancel|sent|send|ordered|order|refunded|refund|"
    r"blocked|block|unblocked|unblock|reset|activated?|logged|log|locked|lock|unlocked|unlock|changed?|updated?|"
    r"correct(?:ed)?|fixed|fix|arranged?|escalated?|reported|report|disputed|dispute|claimed|claim|reversed|reverse|"
    r"credited|credit|issued|issue|closed|close|opened|open|transferred|transfer|moved|move|removed|remove|"
    r"approved|approve|processed|process|submitted|submit|checked|check|look(?:ed)?|had a look|taken a look|"
    r"see|seen|track(?:ed)?|trace[d]?|investigate[d]?|pick(?:ed)? up|picked)\b",
    re.IGNORECASE,
)
_DID = re.compile(
    r"\b(?:i|we)(?:'ve)?\s+(?:just\s+|already\s+|have\s+|have already\s+)?(?:froze|raised|cancell?ed|sent|ordered|refunded|blocked|unblocked|"
    r"activated|logged|locked|unlocked|changed|updated|corrected|fixed|arranged|escalated|reported|disputed|reversed|"
    r"credited|issued|closed|opened|moved|removed|approved|processed|submitted|checked|looked|tracked|traced)\b",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
SUPPORT_THRESHOLD = 0.6


def claims_action(sentence: str) -> bool:
    """True when the sentence says the writer did (or will, or can see) something on the customer's account."""
    text = sentence.replace("\u2019", "'")
    return bool(_ACTION_CLAIM.search(text) or _DID.search(text))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(_CITATION.sub("", text)) if s.strip()]


@dataclass(frozen=True)
class GroundedReply:
    text: str  # the kept sentences, each citing as [n] the passage that supports it best
    kept: int
    dropped_claims: int
    dropped_unsupported: int


def ground_reply(reply: str, passages: Sequence[str], *, threshold: float = SUPPORT_THRESHOLD) -> GroundedReply:
    """Keep the sentences that claim no action and that a passage supports; cite that passage as [n] (1-based).

    Any citation the reply had is removed first: a reference reply's numbers point at passages it
    was written against, not at the ones retrieval returns now.
    """
    kept: list[str] = []
    claims = unsupported = 0
    for sentence in sentences(reply):
        if claims_action(sentence):
            claims += 1
            continue
        scores = [support(sentence, p) for p in passages]
        best = max(range(len(scores)), key=scores.__getitem__) if scores else None
        if best is None or scores[best] < threshold:
            unsupported += 1
            continue
        kept.append(cite(sentence, best + 1))
    return GroundedReply(" ".join(kept), len(kept), claims, unsupported)


def answering_sentences(question: str, passage: str, *, max_chars: int = 240) -> str:
    """The passage's sentences that share most content words with the question, in passage order, up to ``max_chars``.

    Empty when no sentence shares a word with it: the passage's opening alone would teach the model to
    quote whatever comes first in a related article, not to answer.
    """
    asked = content_words(question)
    found = sentences(passage)
    ranked = sorted(range(len(found)), key=lambda i: (-len(content_words(found[i]) & asked), i))
    chosen: list[int] = []
    for i in ranked:
        if not content_words(found[i]) & asked:
            break
        if chosen and sum(len(found[j]) + 1 for j in chosen) + len(found[i]) > max_chars:
            break
        chosen.append(i)
    return " ".join(found[i] for i in sorted(chosen))
