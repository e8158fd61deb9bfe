"""Values found through the words around them: dates of birth, credentials, ids."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..config import DATE_OF_BIRTH, PASSWORD, USERNAME
from . import Span

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    r"(?<![\w/.\-])(?:"
    r"\d{1,2}[./\-]\d{1,2}[./\-](?:\d{4}|\d{2})"
    r"|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r")(?![\w/]|[.\-]\d)",
    re.IGNORECASE,
)
_BIRTH_BEFORE = re.compile(
    r"(?:\bborn\b|\bbirth|\bdob\b|\bd\.o\.b\b|\bbirthday\b|\bgeboren\b|\bnée?\b|\bnacimiento\b)", re.IGNORECASE
)
_BIRTH_AFTER = re.compile(r"^[\s,(\-]{0,4}(?:\(?(?:my\s+)?(?:dob|d\.o\.b|date of birth|birthday)\b|is my (?:dob|birthday|date of birth))", re.IGNORECASE)
# Words that mean the date near "born"/"DOB" is about something else.
_OTHER_EVENT = re.compile(
    r"\b(?:deliver\w*|arriv\w*|ship\w*|dispatch\w*|order\w*|expect\w*|due|refund\w*|charg\w*|paid|pay\w*|"
    r"book\w*|purchas\w*|bought|sent|posted|renew\w*|expir\w*|cancel\w*|on the|and|but)\b",
    re.IGNORECASE,
)


def find_dates_of_birth(text: str) -> list[Span]:
    spans = []
    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - 45):match.start()]
        cues = list(_BIRTH_BEFORE.finditer(before))
        if cues and not _OTHER_EVENT.search(before[cues[-1].end():]):
            spans.append(Span(DATE_OF_BIRTH, match.start(), match.end(), 0.85))
        elif _BIRTH_AFTER.match(text[match.end():match.end() + 30]):
            spans.append(Span(DATE_OF_BIRTH, match.start(), match.end(), 0.8))
    return spans


# Words that follow "password is" / "username is" in complaints, not credentials.
_NOT_A_VALUE = frozenset(
    """a an the my your our this that it is was be been being not no never wrong incorrect invalid
    correct right expired locked blocked reset changed change forgotten forgot lost missing empty blank
    required needed too very still now just also already case-sensitive sensitive working broken weak strong
    long short ok okay fine same different new old there here what which where how why when and or but
    for to of on in at by with from as if so then than please help doesn't don't isn't wasn't won't can't
    cannot does did do has have had will would should could might must rejected accepted saved stored
    hidden shown visible compromised stolen leaked hacked safe secure insecure case field box manager
    policy requirement requirements rules strength hint hints recovery link email e-mail sms code please
    thanks number numbers or nor you me him us them they he she we i""".split()
)
_SEP = r"(?P<sep>[ \t]*(?:[,;]?[ \t]*(?:(?:it's|it is|its|is|was|would be)\b|=|:|-))[ \t]*|[ \t]+)"
_USERNAME = re.compile(
    r"\b(?P<kw>user\s?-?name|user\s?id|login(?:\s?(?:name|id))?|log-in|handle|screen\s?name|gamertag|nickname)"
    rf"{_SEP}[\"'“‘]?(?P<pii>[A-Za-z0-9_][\w.\-@+]{{1,63}})",
    re.IGNORECASE,
)
_PASSWORD = re.compile(
    r"\b(?P<kw>pass\s?word|passwd|passcode|pass\s?phrase|pwd|pw|pin(?:\s?code)?|pass)"
    rf"{_SEP}(?P<pii>\"[^\"\n]{{1,64}}\"|'[^'\n]{{1,64}}'|“[^”\n]{{1,64}}”|\S{{1,128}})",
    re.IGNORECASE,
)
# Nouns that follow "login"/"username" without being one ("login page").
_NOT_A_USERNAME = frozenset(
    """page screen issue issues problem problems details credentials form button field link attempt attempts
    error errors process info information again fails failed failing works working name names id ids
    section option options settings history method methods requirement requirements to with on in for
    from via using into at""".split()
)
_HAS_SIGNAL = re.compile(r"[\d_.@!#$%^&*()+=?~\[\]{}<>|\\/-]|[a-z][A-Z]")


def _credential(match: re.Match[str], entity_type: str, strip: str) -> Span | None:
    value = match.group("pii")
    start, end = match.start("pii"), match.end("pii")
    stripped = value.rstrip(strip)
    end -= len(value) - len(stripped)
    value = stripped
    bare = value.lower().strip("\"'“”‘’").rstrip(".,;:!?")
    if not bare or bare in _NOT_A_VALUE:
        return None
    if match.group("sep").strip():
        return Span(entity_type, start, end, 0.85)
    # No "is" / ":" between keyword and value: take only values that look like one
    # (after the bare word "pass", which is also a verb, only 6+ characters).
    keyword = match.group("kw").lower()
    core = value.rstrip(".,;:!?") or value
    if _HAS_SIGNAL.search(core) and (keyword != "pass" or len(core) >= 6):
        return Span(entity_type, start, end, 0.7)
    followed_by = match.string[end:end + 1]
    # "the username jdoe": after "username"/"user id"/"handle" the next word is the value;
    # after "login" (also a verb and a noun) only when punctuation closes it.
    keyword_is_login = keyword.startswith(("login", "log-in"))
    if (
        entity_type == USERNAME and bare not in _NOT_A_USERNAME
        and (followed_by in (",", ";", ")") or not keyword_is_login)
        and re.fullmatch(r"[a-z][a-z0-9._\-]{2,31}", value)
    ):
        return Span(entity_type, start, end, 0.6)
    return None


def find_credentials(text: str) -> list[Span]:
    spans = []
    for match in _USERNAME.finditer(text):
        span = _credential(match, USERNAME, ".,;:!?)'\"”’")
        if span:
            spans.append(span)
    for match in _PASSWORD.finditer(text):
        # Passwords keep trailing punctuation: over-redacting a full stop is harmless,
        # cutting off a real last character is a leak.
        span = _credential(match, PASSWORD, "")
        if span:
            spans.append(span)
    return spans


def compile_id_patterns(patterns: Mapping[str, Sequence[str]]) -> list[tuple[str, re.Pattern[str]]]:
    return [(name, re.compile(rx, re.IGNORECASE)) for name, regexes in patterns.items() for rx in regexes]


def find_ids(text: str, compiled: Sequence[tuple[str, re.Pattern[str]]]) -> list[Span]:
    spans = []
    for entity_type, pattern in compiled:
        for match in pattern.finditer(text):
            group = "pii" if "pii" in pattern.groupindex and match.group("pii") is not None else 0
            start, end = match.span(group)
            if end > start:
                spans.append(Span(entity_type, start, end, 0.9))
    return spans
