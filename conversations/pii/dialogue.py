"""Detection that depends on the dialogue: what the previous turn asked for, what the conversation
already knows to be personal, and what is never the customer's data (the agent's own name, the
organisation's public details, a log line's own server addresses and module names).

Pure Python (no Django). The caller builds a DialogueContext per message; conversations/privacy.py
does it from the stored conversation, the benchmark from its synthetic dialogues.

* expected_kinds(question): the kinds of value a turn asks for, read from a vocabulary of what
  each kind is called ("name", "surname", "username", "postcode", "order number"...) in a turn
  that is a request (a question mark or a request word); never from whole question phrasings.
* find_expected(text, kinds): a line of the answer that is, once a short lead-in ("sure,",
  "it's") and a thank-you are set aside, a bare value of the expected shape, in any casing.
* find_known(text, mapping): every later occurrence of a value the conversation already holds,
  in any casing, and its parts (a first or last name alone; an identifier of six or more digits
  written without, or with other, formatting), with the placeholder it already has. A card's
  last four digits are not a part: they may be shown (docs/privacy.md).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

from . import config as c
from .detectors import Span
from .detectors.context import _DATE
from .detectors.names import _PARTICLES, SUPPORT_VOCABULARY, TITLES
from .placeholders import PLACEHOLDER


@dataclass(frozen=True)
class DialogueContext:
    """expects: kinds the previous agent/bot turn asked for (see KIND_TYPES).
    keep_names: case-folded words that are never a PERSON or LOCATION here (the signed-in agent's
        own names in their own messages; module and library names in a log line).
    allow: allow_key()s of the organisation's public values (published articles, settings).
    log: the text is a log line: the server's own loopback / bind addresses stay."""

    expects: frozenset[str] = frozenset()
    keep_names: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()
    log: bool = False


KIND_TYPES: dict[str, str] = {
    "name": c.PERSON, "username": c.USERNAME, "email": c.EMAIL, "phone": c.PHONE, "order": c.ORDER_ID,
    "reference": c.TICKET_ID, "account": c.ACCOUNT_NUMBER, "card": c.CARD, "address": c.ADDRESS,
    "postcode": c.ADDRESS, "dob": c.DATE_OF_BIRTH,
}

# What each kind is called. Checked in this order; a matched phrase is blanked so "email address"
# is not also an address and "user name" not also a name.
_W = r"(?:\W+\w+){0,6}?\W+"  # up to six words between ("order is this about? The number")
_VOCABULARY: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(rx, re.IGNORECASE)) for kind, rx in (
    ("email", r"\be-?mail(?:\s+address)?\b"),
    ("username", r"\b(?:user\s?-?name|user\s?id|log\s?-?in(?:\s+(?:name|id))?|screen\s?name|handle|sign\s?-?in\s+(?:name|with))\b"),
    ("dob", r"\b(?:date\s+of\s+birth|birth\s?date|birthday|d\.?o\.?b\.?|born)\b"),
    ("card", rf"\b(?:card{_W}(?:number|digits|no)|(?:number|digits){_W}card|long\s+number)\b"),
    ("account", rf"\b(?:account{_W}(?:number|digits|no)|(?:number|digits){_W}account|a/c|sort\s+code)\b"),
    ("order", rf"\b(?:order{_W}(?:number|id|no|ref(?:erence)?)|(?:number|id){_W}order|order\s*#)\b"),
    ("reference", r"\b(?:reference|ref(?:\s+(?:number|no))?|case\s+(?:number|id|no)|ticket(?:\s+(?:number|id|no))?)\b"),
    ("phone", rf"\b(?:phone|telephone|mobile|cell|landline|contact\s+number|number{_W}(?:call|reach|ring|text)|(?:call|reach|ring|text){_W}number)\b"),
    ("postcode", r"\b(?:post\s?-?code|zip(?:\s?code)?|postal\s+code|eircode|plz)\b"),
    ("address", r"\b(?:address|where\s+do\s+you\s+live)\b"),
    ("name", r"\b(?:(?:full|first|last|family|given|middle|maiden)\s+name|name|surname|forename|account\s+holder|card\s?holder)\b"),
))
_REQUEST = re.compile(
    r"\?|\b(?:please|pls|could|can|may|would|need|provide|confirm|enter|type|share|give|tell|send|read|"
    r"what|which|who|where|when)\b", re.IGNORECASE)
# "the last four digits of your card" may be shown (docs/privacy.md): not a request for the card.
_LAST_FOUR = re.compile(r"\blast\s+(?:4|four)\b", re.IGNORECASE)


def expected_kinds(question: str) -> frozenset[str]:
    """The kinds of personal value ``question`` (an agent or bot turn) asks the customer for."""
    if not question or not _REQUEST.search(question):
        return frozenset()
    text = PLACEHOLDER.sub(" ", question)
    kinds = set()
    for kind, pattern in _VOCABULARY:
        if pattern.search(text):
            kinds.add(kind)
            text = pattern.sub(" ", text)
    if _LAST_FOUR.search(question):
        kinds.discard("card")
    return frozenset(kinds)


_LEAD = re.compile(
    r"^(?:(?:sure|yes|yeah|yep|yup|ok|okay|of course|certainly|no problem|right|so|um+|uh+|er+|oh|hi|hello|"
    r"sorry|here(?: it is| you go| you are)?|one sec(?:ond)?|it'?s|it is|that'?s|that is|that would be|"
    r"this is|i am|i'm|my(?: \w+){1,2} (?:is|are)|the(?: \w+){1,2} is|is)\b[\s,.:;!-]*)+",
    re.IGNORECASE,
)
_TAIL = re.compile(r"(?:[\s,;:!.?-]+(?:thanks|thank you|thank u|thx|ty|cheers|ta|please|pls)\b.*|[\s,;:!.?-]+)$", re.IGNORECASE)
_NAME_PART = re.compile(r"[^\W\d_][\w'’.\-]*")


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS  # already loaded with the engine

    return frozenset(STOP_WORDS) | SUPPORT_VOCABULARY | TITLES | frozenset(w.lower() for w in c.DEFAULT_NER_DENY_LIST)


def _core(line: str) -> tuple[int, int]:
    """The span of ``line`` left once a lead-in and a closing thank-you are set aside."""
    start = 0
    lead = _LEAD.match(line)
    if lead:
        start = lead.end()
    end = len(line)
    tail = _TAIL.search(line, start)
    if tail:
        end = tail.start()
    return start, max(start, end)


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _is_name(value: str, deny: Collection[str]) -> bool:
    """1-4 words of letters (initials and particles allowed) that do not start or end like a sentence."""
    words = value.split()
    if not 1 <= len(words) <= 4 or not all(_NAME_PART.fullmatch(w) for w in words):
        return False
    lowered = [w.lower().strip(".") for w in words]
    stop = _function_words()
    first, last = lowered[0], lowered[-1]
    if first in stop or first in deny or len(first) < 2:
        return False
    # Later words may be surnames that are also words ("Post", "Bank"), but not a sentence's small words.
    small = _stop_words()
    return not any(w in small or w in deny for w in lowered[1:] if w not in _PARTICLES and len(w) > 1) and (
        len(last) > 1 or words[-1].endswith(".") or len(words) > 1
    )


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


_POSTCODE = re.compile(
    r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{4,5}(?:-\d{4})?|\d{4}\s?[A-Z]{2}|[A-Z]\d{2}\s?[A-Z\d]{4}|"
    r"[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{2}-\d{3}|\d{3}\s\d{2}", re.IGNORECASE)


def _shape(kind: str, value: str, deny: Collection[str]) -> tuple[int, int] | None:
    """Where in ``value`` (a bare answer) a value of ``kind`` is, or None."""
    n = len(value)
    digits = _digits(value)
    if kind == "dob":
        match = _DATE.search(value)
        return match.span() if match else None
    if kind == "phone":
        return (0, n) if re.fullmatch(r"\+?[\d\s().\-/]{6,24}", value) and 7 <= digits <= 15 else None
    if kind in ("account", "card"):
        low, high = (6, 18) if kind == "account" else (12, 19)
        return (0, n) if re.fullmatch(r"[\d\s\-]+", value) and low <= digits <= high else None
    if kind in ("order", "reference"):
        return (0, n) if re.fullmatch(r"#?[A-Za-z]{0,5}[-/#]?[\dA-Za-z\-/]{3,24}", value) and digits >= 4 else None
    if kind == "username":
        bare = value.lower()
        return (0, n) if re.fullmatch(r"[\w.\-+@]{2,64}", value) and bare not in _function_words() else None
    if kind == "postcode":
        return (0, n) if _POSTCODE.fullmatch(value) else None
    if kind == "address":
        words = value.split()
        return (0, n) if len(words) >= 2 and digits and re.search(r"[^\W\d_]{2}", value) else None
    if kind == "name":
        return (0, n) if _is_name(value, deny) else None
    return None


_ORDER = ("dob", "card", "phone", "account", "order", "reference", "postcode", "address", "username", "name")


def find_expected(text: str, kinds: Collection[str], deny: Collection[str] = ()) -> list[Span]:
    """Bare answers of the expected kinds: a line whose core is one value (lines of up to 80 characters)."""
    if not kinds:
        return []
    spans = []
    offset = 0
    for line in text.split("\n"):
        start, end = _core(line)
        value = line[start:end]
        if value and len(value) <= 80:
            for kind in _ORDER:
                if kind in kinds and (found := _shape(kind, value, deny)) is not None:
                    spans.append(Span(KIND_TYPES[kind], offset + start + found[0], offset + start + found[1], 0.95))
                    break
        offset += len(line) + 1
    return spans


_DIGIT_TYPES = frozenset({c.PHONE, c.CARD, c.SSN, c.ACCOUNT_NUMBER, c.ORDER_ID, c.TICKET_ID, c.IBAN})
_SEPARATOR = r"[\s.\-/()x]{0,2}"


def _known_patterns(entity_type: str, key: str) -> list[str]:
    patterns = [r"\s+".join(re.escape(w) for w in key.split())] if len(key) >= 3 or entity_type != c.PERSON else []
    if entity_type in (c.PERSON, c.LOCATION):
        stop = _function_words()
        patterns += [re.escape(w) for w in key.split() if len(w) >= 2 and w not in _PARTICLES and w not in stop]
    digits = re.sub(r"\D", "", key)
    if entity_type in _DIGIT_TYPES and len(digits) >= 6:
        patterns.append(_SEPARATOR.join(digits))
    return patterns


def find_known(text: str, mapping: Mapping[str, str], keep: Collection[str] = ()) -> list[tuple[Span, str]]:
    """Occurrences of values the conversation holds (any casing, their parts), with their placeholders."""
    found = []
    lowered = text.casefold() if len(text.casefold()) == len(text) else None
    small = _stop_words()
    for key, placeholder in mapping.items():
        match = PLACEHOLDER.fullmatch(placeholder)
        if match is None or key.startswith("\0") or key.casefold() in small:
            continue  # a purged original, or a small word taken for a value once ("the username you...")
        entity_type = match.group(1)
        for pattern in _known_patterns(entity_type, key.casefold()):
            if entity_type in (c.PERSON, c.LOCATION) and pattern in keep:
                continue
            regex = re.compile(rf"(?<![\w@]){pattern}(?![\w@]|\.\w)", re.IGNORECASE)
            for hit in regex.finditer(lowered if lowered is not None else text):
                found.append((Span(entity_type, hit.start(), hit.end(), 1.0), placeholder))
    return found


def allow_key(value: str) -> str:
    """How an organisation's public value is compared: digits for numbers, else case-folded text."""
    value = " ".join(value.split())
    if _digits(value) >= 6 and not re.search(r"[^\W\d_]{3}", value):
        digits = re.sub(r"\D", "", value)
        return digits.removeprefix("00")
    return value.casefold().rstrip("/")


def is_allowed(entity_type: str, value: str, allow: Collection[str]) -> bool:
    key = allow_key(value)
    if key in allow:
        return True
    # A KB address is usually detected in pieces: a piece of an allowed address is allowed.
    return entity_type in (c.ADDRESS, c.LOCATION) and len(key) >= 4 and any(key in a for a in allow if len(a) > len(key))


_BIND_CUE = re.compile(r"(?:listen\w*|bind|bound|serv\w*|running|address|interface|host|endpoint|connect\w*)\W{1,3}(?:\w+\W{1,3}){0,3}$", re.IGNORECASE)


def is_server_address(text: str, start: int, value: str) -> bool:
    """In a log line: a loopback or unspecified address, or one the line binds or connects to."""
    try:
        address = ipaddress.ip_address(value.strip("[]").split("%")[0])
    except ValueError:
        address = None
    if address is not None and (address.is_loopback or address.is_unspecified):
        return True
    return bool(_BIND_CUE.search(text[max(0, start - 40):start]))


def is_module_name(text: str, start: int, end: int, keep: Collection[str]) -> bool:
    """In a log line: a dotted module path, or an imported module or installed library's name."""
    before, after = text[start - 1:start] if start else "", text[end:end + 2]
    if (before == "." and start >= 2 and text[start - 2].isalnum()) or (after[:1] == "." and after[1:2].isalnum()):
        return True
    # spaCy takes a verb next to a library's name along into the span ("Loaded Presidio"): one is enough.
    return any(w.casefold() in keep for w in re.split(r"[\s\-]+", text[start:end]) if w)
