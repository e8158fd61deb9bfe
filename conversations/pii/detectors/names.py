"""People and places: context patterns, and clean-up of spaCy NER spans."""

from __future__ import annotations

import re
from collections.abc import Collection

from ..config import LOCATION, PERSON
from . import Span

# Latin, Greek and Cyrillic capitals (mixed-script messages: "name Иван Петров").
_NAME_WORD = r"[A-ZÀ-ÞŒΑ-ΩЀ-Я][\w'’\-]*"
_PARTICLES = frozenset("de da del della di van von der den la le du dos das y e ten ter zu bin al el mc o'".split())
_PARTICLE = "(?:" + "|".join(sorted(_PARTICLES, key=len, reverse=True)) + ")"
NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_NAME_WORD}){{0,3}}"

_PERSON_CUE = re.compile(
    r"\b(?:my name is|my name's|name is|name:|name to|name|full name:?|i am|i'm|this is|it's|its|call me|"
    r"account holder(?: is|:)?|card ?holder(?: is|:)?|account (?:is )?in the name of|on behalf of|"
    r"deliver(?: it)? to|addressed to|payable to|my details(?: are)?:?|"
    r"(?:reply|response|answer|message|email|e-mail|call|news|letter|text) from|"
    r"(?:spoke|speaking|talked|talking|chatted|chatting) (?:to|with)|"
    r"(?:hi|hello|hey|dear) (?:team|all|there|support|everyone)[,!]?|"
    r"(?:thanks|thank you|thx|cheers|hi|hello|hey|dear|bye),?|"
    r"(?:my |his |her |our )?(?:husband|wife|partner|son|daughter|mother|mum|mom|father|dad|brother|sister|"
    r"colleague|friend|flatmate|landlord|landlady|boss|fianc[ée]e?|grandmother|grandfather|uncle|aunt|cousin),?|"
    r"mr\.?|mrs\.?|ms\.?|miss|mx\.?|dr\.?|herr|frau|mme\.?|mlle\.?|monsieur|madame|sr\.?|sra\.?|señor|señora|"
    r"signor|signora|sig\.(?:ra)?|dott\.(?:ssa)?|dhr\.?|mevr\.?)[ \t]+"
    rf"(?P<pii>(?-i:{NAME}))"
    rf"|(?:^|\n|[,.!?][ \t]+)[ \t]*(?P<here>(?-i:{NAME}))[ \t]+here\b"
    rf"|(?P<born>(?-i:{NAME})),?[ \t]+(?:born|dob|d\.o\.b\.?)\b",
    re.IGNORECASE,
)
_LOWER_NAME = re.compile(
    r"\bmy name is[ \t]+(?P<pii>[a-z][a-z'\-]+(?:[ \t]+[a-z][a-z'\-]+){0,2})(?=[ \t]*(?:[.,!?\n]|$|and\b))",
    re.IGNORECASE,
)
# "my name is spelled wrong": lower-case words after the cue that are not a name.
_LOWER_STOP = frozenset("not wrong spelled spelt misspelled incorrect missing showing different changed the a".split())
_SIGN_OFF = re.compile(
    rf"(?:^|\n|[.!?][ \t]+)(?:thanks|thank you|regards|kind regards|best regards|warm regards|best wishes|best|cheers|"
    rf"sincerely|yours sincerely|yours faithfully|yours truly|all the best|many thanks|br|ta),?[ \t]*(?:\n[ \t]*|[ \t]+)"
    rf"(?P<pii>(?-i:{NAME}))[ \t]*[.!]?[ \t]*(?=\n|$)",
    re.IGNORECASE,
)
_PLACE_CUE = re.compile(
    r"\b(?:live|living|lives|based|located|moved|moving|relocated|relocating|staying|reside|residing|"
    r"travelling|traveling|currently)[ \t]+(?:in|to|at|near|from)[ \t]+"
    rf"(?P<pii>(?-i:{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}}))",
    re.IGNORECASE,
)

# Capitalised words in support chats that are not names of people or places.
SUPPORT_VOCABULARY = frozenset(
    """a an the i i'm im my me we you your our it this that there here not still just so very really also
    happy sorry afraid sure unable trying writing contacting looking having going getting calling waiting
    interested worried confused frustrated angry fine good ok okay back done new currently abroad travelling
    card cards debit credit account accounts order orders refund refunds delivery payment payments transfer
    transfers balance app online banking statement statements pin password login help support customer
    service team manager agent bot chatbot human person someone monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october november december
    today tomorrow yesterday please thanks thank hello hi hey dear urgent asap fraud dispute chargeback direct
    standing overdraft loan mortgage savings current business premium gold platinum contactless chip wallet
    iban swift bic sort code cvv cvc otp sms email e-mail phone mobile number address postcode zip invoice
    receipt parcel package tracking courier post mail website web portal error issue problem question cancel
    cancellation subscription plan fee fees charge charges limit limits atm cash cheque check deposit
    withdrawal interest rate exchange currency pounds euros dollars euro dollar pound gbp eur usd expiry
    expiration expires security verification login log username user pwd pass sign reset app store again
    any anyone everyone nobody all some how what when where why who which whose is are was were be
    british english irish scottish welsh american canadian french german spanish italian dutch polish swiss
    swedish danish norwegian finnish portuguese chinese japanese indian australian european nigerian
    brazilian mexican russian ukrainian turkish greek romanian belgian austrian muslim jewish catholic
    self disabled deaf blind retired unemployed student""".split()
)
# Honorifics and degrees: never a name on their own ("Dott.", "B.A.").
TITLES = frozenset(
    """mr mrs ms miss mx dr prof sir dame herr frau mme mlle monsieur madame sra srta señor señora sig sig.ra
    signor signora dott dott.ssa ing avv dhr mevr jr sr ii iii iv b.a ba b.sc bsc m.a ma msc m.sc phd md dds mba
    esq""".split()
)
_GREETING_PREFIX = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|dear|thanks|thank you|cheers|regards|morning|afternoon|evening|good morning|"
    r"good afternoon|good evening|ok|okay|yes|no|please)\b[\s,!.:]*)+",
    re.IGNORECASE,
)


def _name_follows(words: list[str], i: int) -> bool:
    while i < len(words) and words[i].lower() in _PARTICLES:
        i += 1
    return i < len(words) and words[i][0].isupper()


def _capitalised_prefix(name: str) -> list[str]:
    """The leading words of a case-insensitive NAME match that really are a name."""
    words = name.split()
    kept: list[str] = []
    for i, word in enumerate(words):
        if word[0].isupper():
            kept.append(word)
        elif kept and word.lower() in _PARTICLES and _name_follows(words, i + 1):
            kept.append(word)
        else:
            break
    while kept and (kept[-1].lower().strip("'’") in SUPPORT_VOCABULARY or kept[-1].lower() in _PARTICLES):
        kept.pop()
    return kept


def find_person_context(text: str, deny: Collection[str] = ()) -> list[Span]:
    spans = []
    for match in _PERSON_CUE.finditer(text):
        group = next(g for g in ("pii", "here", "born") if match.group(g) is not None)
        words = _capitalised_prefix(match.group(group))
        if not words or words[0].lower() in SUPPORT_VOCABULARY or _denied(words, deny):
            continue
        start = match.start(group)
        spans.append(Span(PERSON, start, start + _prefix_length(match.group(group), len(words)), 0.75))
    for match in _LOWER_NAME.finditer(text):
        words = match.group("pii").split()
        if words[0].lower() not in SUPPORT_VOCABULARY and not any(w.lower() in _LOWER_STOP for w in words):
            spans.append(Span(PERSON, match.start("pii"), match.end("pii"), 0.7))
    for match in _SIGN_OFF.finditer(text):
        if match.group("pii").split()[0].lower() not in SUPPORT_VOCABULARY:
            spans.append(Span(PERSON, match.start("pii"), match.end("pii"), 0.7))
    return spans


def _prefix_length(name: str, n_words: int) -> int:
    """Length of the first n_words whitespace-separated words of name, as written."""
    matches = list(re.finditer(r"\S+", name))
    return matches[n_words - 1].end()


# "Dean Pison from Beilen": a full name introduces where the person is from.
_FULL_NAME_FROM = re.compile(
    rf"(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{1,3}})[ \t]+from[ \t]+(?P<pii>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}})"
)


def _denied(words: list[str], deny: Collection[str]) -> bool:
    lowered = [w.lower().strip(",.;:!?") for w in words]
    return " ".join(lowered) in deny or lowered[0] in deny or " ".join(lowered[:2]) in deny


def find_place_context(text: str, deny: Collection[str] = ()) -> list[Span]:
    spans = []
    for match in _PLACE_CUE.finditer(text):
        words = _capitalised_prefix(match.group("pii"))
        if words and words[0].lower() not in SUPPORT_VOCABULARY and not _denied(words, deny):
            start = match.start("pii")
            spans.append(Span(LOCATION, start, start + _prefix_length(match.group("pii"), len(words)), 0.6))
    for match in _FULL_NAME_FROM.finditer(text):
        name = match.group("name").split()
        words = _capitalised_prefix(match.group("pii"))
        if (
            words and not _denied(name, deny) and not _denied(words, deny)
            and not any(w.lower() in SUPPORT_VOCABULARY for w in name + words[:1])
        ):
            start = match.start("pii")
            spans.append(Span(LOCATION, start, start + _prefix_length(match.group("pii"), len(words)), 0.6))
    return spans


def looks_like_name(value: str, deny: Collection[str] = ()) -> bool:
    """Cheap re-check for a PERSON/LOCATION piece left after overlap trimming."""
    words = [w.strip("'’.,") for w in re.split(r"[\s\-]+", value.lower()) if w.strip("'’.,")]
    return (
        any(c.isupper() for c in value)
        and bool(words)
        and not all(w in SUPPORT_VOCABULARY or w in TITLES or w in deny for w in words)
    )


_FACILITY_AFTER = re.compile(
    r"^(?:-[\w'’]+)*[ \t]+(?:office|branch|store|shop|centre|center|airport|station|mall|outlet|hotel|hospital|campus|depot)s?\b",
    re.IGNORECASE,
)


def is_facility_name(text: str, start: int, end: int) -> bool:
    """"the Teruel office": a name between "the" and a facility is a place's or branch's name, nobody's."""
    return text[max(0, start - 4):start].lower() == "the " and bool(_FACILITY_AFTER.match(text[end:end + 40]))


_PLACE_PREPOSITION = re.compile(r"\b(?:in|near)[ \t]+$", re.IGNORECASE)


def relabel_ner(text: str, start: int, entity_type: str) -> str:
    """spaCy's small model often calls a town after "in" a person."""
    if entity_type == PERSON and _PLACE_PREPOSITION.search(text[max(0, start - 8):start]):
        return LOCATION
    return entity_type


def clean_ner_span(text: str, start: int, end: int, entity_type: str, deny: Collection[str]) -> tuple[int, int] | None:
    """Trim greetings/punctuation off a spaCy PERSON/LOCATION span; None if it is not one."""
    value = text[start:end]
    greeting = _GREETING_PREFIX.match(value)
    if greeting:
        start += greeting.end()
        value = text[start:end]
    stripped = value.strip(" \t\n,.;:!?\"()[]{}")
    start += value.find(stripped) if stripped else 0
    end = start + len(stripped)
    if stripped.endswith(("'s", "’s")):
        end -= 2
        stripped = stripped[:-2]
    lowered = stripped.lower()
    if len(stripped) < 2 or lowered in deny or not any(c.isupper() for c in stripped):
        return None
    if any(c.isdigit() or c in "@/_#<>=" for c in stripped):
        return None
    words = re.split(r"[\s\-]+", lowered)
    if all(w.strip("'’.") in SUPPORT_VOCABULARY or w in deny or w.strip(".") in TITLES for w in words):
        return None
    if entity_type == PERSON and len(words) == 1 and stripped.isupper() and len(stripped) <= 4:
        return None  # acronyms such as "ATM", "PIN", "BIC"
    return start, end
