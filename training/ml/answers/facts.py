"""Checkable facts of a sentence: each must appear in a passage the sentence cites.

Numbers, amounts (with their currency), durations (with their unit), percentages, menu paths (``Cards > Card status``), phone numbers and
URLs or e-mail addresses. Written numbers up to twenty count as digits, so "seven days" is the same
fact as "7 days".
"""

from __future__ import annotations

import re

from training.ml.answers.text import CITATION

_NUMBERS_WRITTEN = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                    "sixteen seventeen eighteen nineteen twenty")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(_NUMBERS_WRITTEN.split())}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\]\[)]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|uk|example|io)(?:/[^\s<>)]*)?", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w£$€.])\+?\d[\d ()-]{6,}\d(?![\w%])")
_AMOUNT = re.compile(r"([£$€])\s?(\d[\d,]*(?:\.\d+)?)\s*(k|m|bn|million|billion)?", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_UNITS = r"(?:working |business |calendar |banking )?(second|minute|hour|day|week|month|year)s?"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(?:to|-|–|or|and)\s*(\d+(?:\.\d+)?))?\s*" + _UNITS, re.IGNORECASE)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|per ?cent)", re.IGNORECASE)
_MENU_HOP = re.compile(r"([A-Za-z0-9][\w'&-]*)\s*(?:>|→|»)\s*([A-Za-z0-9][\w'&-]*)")


def _prepared(text: str) -> str:
    text = CITATION.sub(" ", text)
    return _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], text)


def _plain_number(raw: str) -> str:
    value = raw.replace(",", "")
    return value.removesuffix(".00")


def facts(text: str) -> set[str]:
    """The checkable facts of ``text`` as normalised strings ("num:15", "amount:£15", "menu:cards>card")."""
    text = _prepared(text)
    found: set[str] = set()
    for match in _URL.finditer(text):
        found.add("url:" + match.group(0).rstrip(".,;:!?'\"").lower())
    without_urls = _URL.sub(" ", text)
    phones = list(_PHONE.finditer(without_urls))
    for match in phones:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) >= 9:
            found.add("phone:" + digits)
    rest = _PHONE.sub(lambda m: " " if len(re.sub(r"\D", "", m.group(0))) >= 9 else m.group(0), without_urls)
    for match in _AMOUNT.finditer(rest):
        found.add(f"amount:{match.group(1)}{_plain_number(match.group(2))}{(match.group(3) or '').lower()}")
    for match in _NUMBER.finditer(rest):
        found.add("num:" + _plain_number(match.group(0).rstrip(",")))
    for match in _PERCENT.finditer(rest):
        found.add(f"percent:{match.group(1)}%")
    for match in _DURATION.finditer(rest):
        unit = match.group(3).lower()
        for value in filter(None, (match.group(1), match.group(2))):
            found.add(f"duration:{value} {unit}")
    for match in _MENU_HOP.finditer(rest):
        found.add(f"menu:{match.group(1).lower()}>{match.group(2).lower()}")
    return found


def missing_facts(sentence: str, passages: list[str]) -> list[str]:
    """The sentence's facts that none of ``passages`` contains (empty: every fact is backed)."""
    backed: set[str] = set()
    for passage in passages:
        backed |= facts(passage)
    return sorted(facts(sentence) - backed)
