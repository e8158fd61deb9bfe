"""Phone numbers: E.164 and common national formats, decided by shape and context.

Faker-style and real customer numbers often use area codes that libphonenumber
does not consider *valid*, so the shape (international prefix, trunk "0",
parentheses, NANP grouping) and nearby words decide; phonenumbers only checks
that an international number has a possible length for its country.
"""

from __future__ import annotations

import re

from ..config import PHONE
from . import Span

_CANDIDATE = re.compile(
    r"(?<![\w+#/\-.,])(?:\+|\b|(?=\())\(?\d[\d \t().\-]{5,24}\d"
    r"(?:[ \t]?(?:x|ext\.?|extension)[ \t]?\d{1,6})?(?![\w/]|[.,]\d|-\d)",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"^\d{1,4}([./\-])\d{1,2}\1\d{2,4}$")
_NANP = re.compile(r"^(?:\+?1[ .\-]?)?\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}$")
_CONTEXT = re.compile(
    r"\b(?:phone|tel|telephone|mobile|mob|cell|call|ring|text|sms|whatsapp|landline|fax|contact|reach|dial|"
    r"(?:my|new|old|home|work) number)\b"
)
_MONEY_BEFORE = re.compile(r"[$£€¥]\s*$|\b(?:usd|eur|gbp|chf)\s*$", re.IGNORECASE)


def _possible_international(digits: str) -> bool:
    import phonenumbers  # lazy: ~20 ms import

    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


def find_phones(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _CANDIDATE.finditer(text):
        raw = match.group()
        body = re.split(r"(?i)[ \t]?(?:x|ext\.?|extension)[ \t]?(?=\d)", raw)[0]
        if "  " in body or _DATE_LIKE.match(body) or body.count("(") != body.count(")"):
            continue
        if _MONEY_BEFORE.search(text[max(0, match.start() - 5):match.start()]):
            continue
        digits = re.sub(r"\D", "", body)
        before = text[max(0, match.start() - 60):match.start()].lower()
        score = 0.0
        if body.startswith("+"):
            if 8 <= len(digits) <= 15:
                score = 0.9 if _possible_international(digits) else 0.7
        elif digits.startswith("00") and 10 <= len(digits) <= 17:
            score = 0.8
        elif _NANP.match(body):
            score = 0.75
        elif (body.startswith("(") or digits.startswith("0")) and 9 <= len(digits) <= 13 and not body.isdigit():
            score = 0.75
        elif digits.startswith("0") and 9 <= len(digits) <= 12:
            score = 0.7 if len(digits) >= 10 else 0.6
        if score == 0.0 and 7 <= len(digits) <= 15 and _CONTEXT.search(before):
            score = 0.65
        if score >= 0.5:
            spans.append(Span(PHONE, match.start(), match.end(), score))
    return spans
