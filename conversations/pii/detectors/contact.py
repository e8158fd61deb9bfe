"""Email addresses and URLs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from ..config import EMAIL, URL
from . import Span

# Bounded repetition (RFC 5321 limits: 64-char local part, 63-char labels) keeps
# matching linear on long runs of word characters.
EMAIL_REGEX = (
    r"(?<![\w.+\-])[\w!#$%&'*+/=?^`{|}~\-][\w!#$%&'*+/=?^`{|}~.\-]{0,63}"
    r"@(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,63}(?![\w\-])"
)
# "jane (at) example (dot) com", "jane[at]example.com"
OBFUSCATED_EMAIL_REGEX = (
    r"(?<![\w.])[\w.+\-]{1,64}\s*[\[(]\s*at\s*[\])]\s*(?:[^\W_][\w\-]{0,62}\s*(?:\.|[\[(]\s*dot\s*[\])])\s*){1,4}"
    r"[^\W\d_]{2,24}\b"
)
_EMAIL = re.compile(EMAIL_REGEX)
_OBFUSCATED_EMAIL = re.compile(OBFUSCATED_EMAIL_REGEX, re.IGNORECASE)
_URL = re.compile(r"(?<![\w@.])(?:https?://|www\.)[^\s<>\"'{}|\\^`\[\]]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)'\""


def find_emails(text: str, domain_ok: Callable[[str], bool] | None = None) -> list[Span]:
    spans = []
    for match in _EMAIL.finditer(text):
        domain = match.group().rsplit("@", 1)[1]
        if domain_ok is None or domain_ok(domain):
            spans.append(Span(EMAIL, match.start(), match.end(), 0.95))
    for match in _OBFUSCATED_EMAIL.finditer(text):
        spans.append(Span(EMAIL, match.start(), match.end(), 0.8))
    return spans


def _allowed(host: str, allow_domains: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (a.lower() for a in allow_domains))


def find_urls(text: str, allow_domains: Iterable[str] = ()) -> list[Span]:
    spans = []
    for match in _URL.finditer(text):
        value = match.group().rstrip(_URL_TRAILING)
        if "(" in value and value.count("(") > value.count(")") and match.group()[len(value):].startswith(")"):
            value += ")"
        try:
            host = urlsplit(value if "://" in value else "http://" + value).hostname or ""
        except ValueError:
            continue
        if not host or _allowed(host, allow_domains):
            continue
        spans.append(Span(URL, match.start(), match.start() + len(value), 0.7))
    return spans
