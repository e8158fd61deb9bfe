"""Text normalization for detection, with a map back onto the original characters.

Detection runs on a normalized copy of the message so that simple tricks do not
hide PII: Unicode NFKC (full-width digits and letters become ASCII), invisible
format characters removed (zero-width space/joiners, BOM, soft hyphen, bidi
controls), dashes unified to "-", control characters turned into spaces and
digits typed one at a time ("4 1 1 1 ...") joined up. Every normalized character
remembers the range of original characters it came from, so a span found in
the normalized text maps back onto the original and the replacement removes the
original characters (including any invisible ones inside the span).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ASCII_CONTROLS = {c: " " for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
# Invisible characters outside category Cf that render as nothing.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0") | frozenset(
    chr(c) for c in range(0xFE00, 0xFE10)
)
_SPACED_DIGITS = re.compile(r"(?<!\w)\d(?:[ \-]\d){5,}(?!\w)")


@dataclass(frozen=True)
class NormalizedText:
    original: str
    text: str
    # starts[i]/ends[i]: original range of normalized char i; None means identity.
    starts: list[int] | None = None
    ends: list[int] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _map_char(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    category = unicodedata.category(ch)
    if category == "Cf" or ch in _INVISIBLE:
        return ""
    if category == "Cc":
        return ch if ch in "\t\n\r" else " "
    if category == "Pd" or ch == "\u2212":
        return "-"
    return ch


def _normalize_group(group: str) -> str:
    mapped = "".join(_map_char(c) for c in group)
    if not mapped or mapped == "\ufffd":
        return mapped
    out = unicodedata.normalize("NFKC", mapped)
    return "".join("-" if unicodedata.category(c) == "Pd" or c == "\u2212" else c for c in out)


def _collapse_spaced_digits(text: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    keep: list[int] = []
    pos = 0
    for match in _SPACED_DIGITS.finditer(text):
        keep.extend(range(pos, match.start()))
        keep.extend(i for i in range(match.start(), match.end()) if text[i].isdigit())
        pos = match.end()
    keep.extend(range(pos, len(text)))
    return "".join(text[i] for i in keep), [starts[i] for i in keep], [ends[i] for i in keep]


def normalize(text: str) -> NormalizedText:
    if text.isascii():
        cleaned = text.translate(_ASCII_CONTROLS)
        if not _SPACED_DIGITS.search(cleaned):
            return NormalizedText(text, cleaned)
        ident = list(range(len(text)))
        out, starts, ends = _collapse_spaced_digits(cleaned, ident, [i + 1 for i in ident])
        return NormalizedText(text, out, starts, ends)

    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isascii():
            j = i + 1
            while j < n and text[j].isascii():
                j += 1
            if j < n and unicodedata.category(text[j]).startswith("M"):
                j -= 1  # leave the base letter to compose with its combining mark
            if j > i:
                parts.append(text[i:j].translate(_ASCII_CONTROLS))
                starts.extend(range(i, j))
                ends.extend(range(i + 1, j + 1))
                i = j
                continue
        # A base character and the combining marks after it normalize together.
        j = i + 1
        while j < n and unicodedata.category(text[j]).startswith("M") and text[j] not in _INVISIBLE:
            j += 1
        out = _normalize_group(text[i:j])
        parts.append(out)
        starts.extend([i] * len(out))
        ends.extend([j] * len(out))
        i = j
    joined = "".join(parts)
    if _SPACED_DIGITS.search(joined):
        joined, starts, ends = _collapse_spaced_digits(joined, starts, ends)
    return NormalizedText(text, joined, starts, ends)


def sanitize(text: str) -> str:
    """Replace lone surrogates and NUL (unstorable in UTF-8 / PostgreSQL) by U+FFFD, 1:1."""
    if text.isascii():
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    return "".join("\ufffd" if ch == "\x00" or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
