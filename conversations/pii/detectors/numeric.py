"""Cards (Luhn), IBAN (mod 97), US SSN and IP addresses."""

from __future__ import annotations

import ipaddress
import re

from ..config import CARD, DIGITS, IBAN, IP, SSN
from . import Span, window

# Digits with up to three separators between any two of them, so "4111 1111 ...",
# "4111-1111-...", "4111 - 1111" and irregular grouping all match.
_CARD_RUN = re.compile(r"(?<![\w+])\d(?:[ \t\-.]{0,3}\d){11,18}(?!\d)")
_SEP = re.compile(r"[ \t\-.]+")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_CARD_CONTEXT = re.compile(r"\b(?:card|cards|visa|mastercard|maestro|amex|debit|credit|cc|pan)\b")


def _card_score(digits: str, has_context: bool) -> float:
    if len(digits) > 19 or len(digits) < 12 or len(set(digits)) == 1 or not luhn_ok(digits):
        return 0.0
    # Issuer ranges in use start with 1-6 (UATP, Visa, MC, Amex, Discover, JCB, ...);
    # 12-digit Maestro and odd prefixes are only taken with a card word nearby.
    if len(digits) >= 13 and digits[0] in "123456":
        return 1.0
    if has_context:
        return 0.9
    # ISO/IEC 7812 allows 12-digit Maestro numbers (IIN 50, 56-69).
    return 0.8 if len(digits) == 12 and (digits[:2] == "50" or "56" <= digits[:2] <= "69") else 0.0


def find_cards(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _CARD_RUN.finditer(text):
        raw = match.group()
        has_context = bool(_CARD_CONTEXT.search(window(text, match.start(), match.end(), 40)))
        # Group boundaries: a number may sit next to a CVV or quantity in one run.
        groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", raw)]
        best: tuple[float, int, int] | None = None
        for a in range(len(groups)):
            digits = ""
            for b in range(a, len(groups)):
                digits += raw[groups[b][0]:groups[b][1]]
                if len(digits) > 19:
                    break
                score = _card_score(digits, has_context)
                if score and (best is None or (score, groups[b][1] - groups[a][0]) > (best[0], best[2] - best[1])):
                    best = (score, groups[a][0], groups[b][1])
        if best is not None:
            spans.append(Span(CARD, match.start() + best[1], match.start() + best[2], best[0]))
    return spans


# ISO 13616 lengths per country (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})[ \-]?(\d{2})")


def iban_ok(compact: str) -> bool:
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def find_ibans(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _IBAN_START.finditer(text):
        country = match.group(1).upper()
        length = IBAN_LENGTHS.get(country)
        if length is None:
            continue
        chars = [country, match.group(2)]
        count, pos, n = 4, match.end(), len(text)
        # Walk the BBAN, allowing one separator between characters, until the
        # country's length is reached; the next character must not continue it.
        while count < length and pos < n:
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                chars.append(ch)
                count += 1
                pos += 1
            elif ch in " -" and pos + 1 < n and text[pos + 1].isascii() and text[pos + 1].isalnum():
                pos += 1
            else:
                break
        if count != length or (pos < n and text[pos].isascii() and text[pos].isalnum()):
            continue
        if iban_ok("".join(chars).upper()):
            spans.append(Span(IBAN, match.start(), pos, 1.0))
    return spans


_SSN = re.compile(r"(?<![\w\-+])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w\-])")
_SSN_CUE = re.compile(r"\b(?:ssn|social security(?: number| no\.?)?|social sec|ss#|ss no|tin|taxpayer id)")
# Only filler may sit between the cue and the number ("SSN is: ...").
_SSN_GAP = re.compile(r"[\s:#=\-]*(?:(?:is|number|no\.?|num|my)[\s:#=\-]*)*")
_SSN_AFTER = re.compile(r"^[\s,(\-]{0,3}\(?(?:ssn|social security)\b")


def _ssn_context(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 40):start].lower()
    cues = list(_SSN_CUE.finditer(before))
    if cues and _SSN_GAP.fullmatch(before[cues[-1].end():]):
        return True
    return bool(_SSN_AFTER.match(text[end:end + 25].lower()))


def find_ssns(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _SSN.finditer(text):
        area, sep, group, serial = match.group(1), match.group(2), match.group(3), match.group(4)
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            continue
        if sep == "-":
            score = 0.85
        elif _ssn_context(text, match.start(), match.end()):
            score = 0.8
        else:
            continue  # a bare 9-digit or spaced number needs "SSN" right before or after
        spans.append(Span(SSN, match.start(), match.end(), score))
    return spans


_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:)(?::|[0-9A-Fa-f]{1,4}:){1,7}"
    r"(?:[0-9A-Fa-f]{1,4}|:|(?:\d{1,3}\.){3}\d{1,3})?(?:%\w+)?(?![\w:])"
)
_VERSION_CONTEXT = re.compile(r"(?:version|ver\.?|v|release|build|firmware|app)\s*$")


def find_ips(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(match.group())
        except ValueError:
            continue
        if _VERSION_CONTEXT.search(text[max(0, match.start() - 12):match.start()].lower()):
            continue
        spans.append(Span(IP, match.start(), match.end(), 0.9))
    for match in _IPV6.finditer(text):
        value = match.group()
        if sum(c.isalnum() for c in value) < 3:
            continue
        try:
            ipaddress.IPv6Address(value.split("%")[0])
        except ValueError:
            continue
        spans.append(Span(IP, match.start(), match.end(), 0.9))
    return spans


_LONG_DIGITS = re.compile(r"(?<!\d)\d{20,}(?!\d)")


def find_long_digit_runs(text: str) -> list[Span]:
    """Runs of 20+ digits: no value we know is that long, but one may hide inside."""
    return [Span(DIGITS, m.start(), m.end(), 0.9) for m in _LONG_DIGITS.finditer(text)]
