"""Sentences, citation markers and content words of answer text (pure string work)."""

from __future__ import annotations

import re

CITATION = re.compile(r"\s*\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]")
# A sentence ends at . ! ? (and any citation markers right after it) followed by white space and a
# capital, a digit, a quote or a bracket; or at a line break. Abbreviations below never end one.
_END = re.compile(r"[.!?](?:\s*\[\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*\])*(?=\s+[\"'(\[A-Z0-9£$€])|\n+")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "approx.", "no.", "mr.", "mrs.", "ms.", "dr.", "st.", "vs.")
_TERMINAL = re.compile(r"[.!?](?:\s*\[\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*\])*[\"')]*\s*$")
_WORD = re.compile(r"[a-z0-9£$€]+(?:[.,][0-9]+)*")
_STOPWORDS = (
    "a about above after again all also am an and any are as at be been before being below between both but by "
    "can could did do does doing down during each few for from further had has have having he her here hers him "
    "his how i if in into is it its itself just let me more most my no nor not now of off on once only or other "
    "our ours out over own same she should so some such than that the their theirs them then there these they "
    "this those through to too under until up very was we were what when where which while who whom why will "
    "with would you your yours yourself ll re ve don doesn didn isn aren won cant please thank thanks hi hello "
    "sure happy help glad sorry"
)
STOPWORDS = frozenset(_STOPWORDS.split())


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order, stripped; citation markers stay with the sentence they follow."""
    sentences, start = [], 0
    for match in _END.finditer(text):
        end = match.end()
        piece = text[start:end]
        if piece.rstrip().lower().endswith(_ABBREVIATIONS):
            continue
        if piece.strip():
            sentences.append(piece.strip())
        start = end
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends on a sentence boundary (a full stop, !, ? with any markers after it)."""
    return bool(_TERMINAL.search(text))


def cited_numbers(text: str) -> list[int]:
    """The [n] numbers a text cites, first appearance first."""
    seen: list[int] = []
    for match in CITATION.finditer(text):
        for n in (int(x) for x in match.group(1).split(",")):
            if n not in seen:
                seen.append(n)
    return seen


def strip_citations(text: str) -> str:
    return CITATION.sub("", text).strip()


def keep_citations(text: str, count: int) -> str:
    """``text`` with every [n] outside 1..count removed (a marker left empty disappears)."""
    def fix(match: re.Match[str]) -> str:
        kept = [x.strip() for x in match.group(1).split(",") if 1 <= int(x) <= count]
        return f" [{', '.join(kept)}]" if kept else ""

    return CITATION.sub(fix, text)


def cite(sentence: str, n: int) -> str:
    """The sentence with ``[n]`` before its closing punctuation: "Cards arrive in 3 days [1]."."""
    body = strip_citations(sentence).rstrip()
    match = re.search(r"[.!?]+[\"')]*$", body)
    if match is None:
        return f"{body} [{n}]."
    return f"{body[:match.start()]} [{n}]{body[match.start():]}"


def content_words(text: str) -> set[str]:
    """Lower-cased words and numbers minus stop words, with a crude plural stem (cards -> card)."""
    words = set()
    for word in _WORD.findall(CITATION.sub(" ", text.lower().replace("'", "").replace("’", ""))):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return words


def word_overlap(sentence: str, passage: str) -> float:
    """Share of the sentence's content words that the passage contains (1.0 for a sentence with none)."""
    words = content_words(sentence)
    return len(words & content_words(passage)) / len(words) if words else 1.0
