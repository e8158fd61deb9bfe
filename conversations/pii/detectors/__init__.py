"""Pure-Python detectors (regex + validation) run on normalized text.

They import nothing heavy; conversations.pii.recognizers wraps them as Presidio
recognizers.
"""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    entity_type: str
    start: int
    end: int
    score: float


def window(text: str, start: int, end: int, before: int, after: int = 0) -> str:
    """Lower-cased text around [start, end) used for context checks."""
    return text[max(0, start - before):start].lower() + " " + text[end:end + after].lower()
