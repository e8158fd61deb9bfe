"""Generated replies pass PII anonymization before any token reaches a socket.

A personal value can arrive split over several tokens ("020" "7946" "0958"), so text is not
released the moment it is generated: the last few words are held back, the PII engine looks at
the whole recent text (so a value that is still growing is seen in context), and the release
point is moved back to the start of any value that reaches into the held-back words. What is
released is anonymized by the function the caller gives (the service that stores the reply passes
the single ingress point, so placeholders match the ones the conversation already uses), and the
stored reply is exactly the text the customer saw.

A stretch of the reply that is a published article's own text, word for word (its citation
markers aside), is public and holds no customer's value: it is released as it is, so an
article's "passcode 5 times" or "your PIN [1]." is not mistaken for a password and a citation
is never eaten (the extractive tier's replies are such stretches throughout).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings

HOLD_BACK_WORDS = 4
# Detection looks this far back before the release point, so a value's start is seen in context.
CONTEXT_CHARS = 200
_BOUNDARY = re.compile(r"\s+")
_CITATIONS = re.compile(r"\s*\[\s*\d{1,2}(?:\s*,\s*\d{1,2})*\s*\]")
_SENTENCE_END = re.compile(r"[.!?](?:\s*\[[\d,\s]+\])?\s+")
# A public stretch must be this long: a word or two of an article proves nothing.
PUBLIC_MIN_WORDS = 4


class ReplyScrubber:
    """feed(chunk) -> text safe to send now; finish() -> the rest. ``text`` is everything released."""

    def __init__(self, *, detect: Callable[[str], list[tuple[int, int]]], anonymize: Callable[[str], str],
                 is_public: Callable[[str], bool] | None = None, hold_back_words: int = HOLD_BACK_WORDS) -> None:
        """``detect`` finds personal values (start, end); ``anonymize`` replaces them in released text;
        ``is_public`` says a text occurs word for word in a published article."""
        self.enabled = bool(settings.PII_ANONYMIZE)
        self.hold_back = hold_back_words
        self._detect, self._anonymize, self._is_public = detect, anonymize, is_public
        self.raw, self.released, self.parts = "", 0, []

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def feed(self, chunk: str) -> str:
        self.raw += chunk
        if not self.enabled:
            return self._release(len(self.raw))
        cut = self._hold_back_point()
        if cut <= self.released:
            return ""
        if self._public_through(self.released, len(self.raw)):
            # All of it, held-back words too, is an article's own text: no value to find or to split.
            return self._release(cut)
        return self._release(self._avoid_values(cut))

    def finish(self) -> str:
        return self._release(len(self.raw))

    def _hold_back_point(self) -> int:
        gaps = [m.start() for m in _BOUNDARY.finditer(self.raw, self.released)]
        # Release up to the gap that leaves `hold_back` words (and the partial word after them) unsent.
        return gaps[-self.hold_back] if len(gaps) >= self.hold_back else self.released

    def _avoid_values(self, cut: int) -> int:
        start = max(0, self.released - CONTEXT_CHARS)
        for s, e in sorted(self._detect(self.raw[start:]), reverse=True):
            s, e = s + start, e + start
            if s < cut < e:
                cut = s
        return cut

    def _release(self, end: int) -> str:
        if end <= self.released:
            return ""
        segment = self.raw[self.released:end]
        public = self.enabled and self._public_through(self.released, end)
        self.released = end
        if self.enabled and not public:
            segment = self._anonymize(segment)
        self.parts.append(segment)
        return segment

    def _public_through(self, start: int, end: int) -> bool:
        """Whether raw[start:end], read with the rest of its sentence so far, is an article's own text.

        Each sentence it touches is checked on its own (a reply may join sentences that are apart in the
        article); a sentence still being written counts when it is 4+ words of an article, or begins one."""
        if self._is_public is None:
            return False
        begin = 0
        for match in _SENTENCE_END.finditer(self.raw, 0, start):
            begin = match.end()
        pieces = [" ".join(_CITATIONS.sub("", p).split()) for p in _SENTENCE_END.split(self.raw[begin:end])]
        pieces = [p for p in pieces if p]
        if not pieces:
            return False
        *whole, last = pieces
        if not all(len(p.split()) >= PUBLIC_MIN_WORDS and self._is_public(p) for p in whole):
            return False
        if len(last.split()) >= PUBLIC_MIN_WORDS:
            return self._is_public(last)
        return bool(whole) and self._is_public(f". {last}")
