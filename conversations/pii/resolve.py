"""Overlap resolution between recognizers and merging of split spans."""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import config as c
from .detectors import Span
from .detectors.names import looks_like_name

# Loose types may be cut around a stronger span instead of dropped, so that e.g. a
# NER PERSON that swallowed an email still redacts the name part.
_TRIMMABLE = frozenset({c.PERSON, c.LOCATION, c.ADDRESS})
_MERGE_GAP = re.compile(r"[ \t]{1,2}|[ \t]?-[ \t]?")
_ADDRESS_GAP = re.compile(r"[ \t]*[,\n]?[ \t]*")
LITERAL = "__LITERAL__"


def _rank(entity_type: str) -> int:
    if entity_type == LITERAL:
        return -1
    if entity_type in c.PRIORITY:
        return c.PRIORITY.index(entity_type)
    return c.PRIORITY.index(c.PHONE)  # custom ids and extra Presidio types


def _subtract(start: int, end: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces = [(start, end)]
    for a, b in taken:
        pieces = [p for s, e in pieces for p in ((s, min(e, a)), (max(s, b), e)) if p[1] > p[0]]
    return pieces


def resolve(spans: Iterable[Span], text: str) -> list[Span]:
    ordered = sorted(spans, key=lambda s: (_rank(s.entity_type), -(s.end - s.start), -s.score, s.start))
    kept: list[Span] = []
    taken: list[tuple[int, int]] = []
    for span in ordered:
        pieces = _subtract(span.start, span.end, taken)
        if pieces == [(span.start, span.end)]:
            kept.append(span)
            taken.append((span.start, span.end))
        elif span.entity_type in _TRIMMABLE:
            for a, b in pieces:
                piece = text[a:b]
                stripped = piece.strip(" \t\n,.;:-")
                if sum(ch.isalnum() for ch in stripped) >= 2 and (
                    span.entity_type == c.ADDRESS or looks_like_name(stripped)
                ):
                    a += piece.index(stripped)
                    kept.append(span._replace(start=a, end=a + len(stripped)))
                    taken.append((a, a + len(stripped)))
    return _merge(sorted(kept, key=lambda s: s.start), text)


def _merge(spans: list[Span], text: str) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if merged:
            prev = merged[-1]
            gap = text[prev.end:span.start]
            same_person = prev.entity_type == span.entity_type == c.PERSON and _MERGE_GAP.fullmatch(gap)
            address_tail = (
                prev.entity_type == c.ADDRESS and span.entity_type in (c.ADDRESS, c.LOCATION) and _ADDRESS_GAP.fullmatch(gap)
            )
            # "Anna Berlin": a surname that is also a place, right after a first name, is part of the name.
            surname_place = (
                prev.entity_type == c.PERSON and span.entity_type == c.LOCATION and gap in (" ", "\t")
                and " " not in text[span.start:span.end]
            )
            if same_person or address_tail or surname_place:
                merged[-1] = prev._replace(end=span.end, score=max(prev.score, span.score))
                continue
        merged.append(span)
    return merged
