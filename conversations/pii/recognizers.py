"""Presidio recognizers for our detectors. Imports Presidio: load lazily (engine.warm_up)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from presidio_analyzer import EntityRecognizer, LocalRecognizer, Pattern, RecognizerResult
from presidio_analyzer.predefined_recognizers import EmailRecognizer, SpacyRecognizer

from . import config as c
from .detectors import Span
from .detectors.address import find_addresses
from .detectors.contact import EMAIL_REGEX, OBFUSCATED_EMAIL_REGEX, find_urls
from .detectors.countries import is_country
from .detectors.context import compile_id_patterns, find_credentials, find_dates_of_birth, find_ids
from .detectors.names import clean_ner_span, find_person_context, find_place_context, is_facility_name, relabel_ner
from .detectors.numeric import find_cards, find_ibans, find_ips, find_long_digit_runs, find_ssns
from .detectors.phone import find_phones
from .offline import has_public_suffix


def _result(recognizer: EntityRecognizer, entity_type: str, start: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(
        entity_type, start, end, score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class DetectorRecognizer(LocalRecognizer):
    """Adapts a pure-Python detector (text -> spans) to Presidio."""

    def __init__(self, name: str, entities: list[str], find: Callable[[str], list[Span]], language: str) -> None:
        super().__init__(supported_entities=entities, supported_language=language, name=name)
        self._find = find

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        wanted = set(entities) & set(self.supported_entities)
        return [_result(self, s.entity_type, s.start, s.end, s.score) for s in self._find(text) if s.entity_type in wanted]


_OBFUSCATED = re.compile(r"\s*[\[(]\s*(at|dot)\s*[\])]\s*", re.IGNORECASE)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer with a linear-time regex, "jane (at) example (dot) com"
    and public-suffix validation from the offline snapshot."""

    PATTERNS = [
        Pattern("Email", EMAIL_REGEX, 0.5),
        Pattern("Email (obfuscated)", OBFUSCATED_EMAIL_REGEX, 0.5),
    ]

    def __init__(self, language: str) -> None:
        super().__init__(patterns=self.PATTERNS, supported_language=language, supported_entity=c.EMAIL)

    def validate_result(self, pattern_text: str) -> bool:
        address = _OBFUSCATED.sub(lambda m: "@" if m.group(1).lower() == "at" else ".", pattern_text)
        return has_public_suffix(address.rsplit("@", 1)[-1])


class FilteredSpacyRecognizer(SpacyRecognizer):
    """spaCy PERSON/LOCATION with greetings, product names and support words removed,
    and the type corrected where the surrounding words say otherwise."""

    def __init__(self, language: str, entities: list[str], deny: frozenset[str], keep_countries: bool) -> None:
        super().__init__(supported_language=language, supported_entities=[c.PERSON, c.LOCATION], ner_strength=0.85)
        self._deny = deny
        self._wanted = set(entities)
        self._keep_countries = keep_countries

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        cues = [(s.entity_type, s.start, s.end) for s in find_person_context(text, self._deny) + find_place_context(text, self._deny)]
        results = []
        place_end = -2
        for result in sorted(super().analyze(text, [c.PERSON, c.LOCATION], nlp_artifacts), key=lambda r: r.start):
            span = clean_ner_span(text, result.start, result.end, result.entity_type, self._deny)
            if span is None or is_facility_name(text, span[0], span[1]):
                continue
            entity_type = relabel_ner(text, span[0], result.entity_type)
            if entity_type == c.PERSON and 0 <= span[0] - place_end <= 1:
                entity_type = c.LOCATION  # "Dale Ville": the rest of a place's name
            if entity_type == c.LOCATION:
                place_end = span[1]
            cued = False
            for cue_type, start, end in cues:
                if start < span[1] and end > span[0]:
                    entity_type, cued = cue_type, True  # the words around the name decide its type
            if entity_type == c.LOCATION and not cued and _in_question(text, span[0], span[1]):
                continue  # "Do you have a branch in Leeds?": a place asked about locates no one
            if entity_type == c.LOCATION and not self._keep_countries and is_country(text[span[0]:span[1]]):
                continue
            if entity_type in self._wanted:
                results.append(_result(self, entity_type, span[0], span[1], result.score))
        return results


def _in_question(text: str, start: int, end: int) -> bool:
    """The sentence around [start, end) is a question (ends with "?")."""
    after = re.search(r"[.!?\n]", text[end:])
    return after is not None and after.group() == "?"


def build_recognizers(config: c.PiiConfig) -> list[EntityRecognizer]:
    lang = config.language
    on = config.is_enabled
    recognizers: list[EntityRecognizer] = []

    def add(name: str, entities: list[str], find: Callable[[str], list[Span]]) -> None:
        enabled = [e for e in entities if on(e)]
        if enabled:
            recognizers.append(DetectorRecognizer(name, enabled, find, lang))

    if on(c.EMAIL):
        recognizers.append(OfflineEmailRecognizer(lang))
    add("CardRecognizer", [c.CARD], find_cards)
    add("IbanChecksumRecognizer", [c.IBAN], find_ibans)
    add("SsnRecognizer", [c.SSN], find_ssns)
    add("IpAddressRecognizer", [c.IP], find_ips)
    add("LongDigitsRecognizer", [c.DIGITS], find_long_digit_runs)
    add("PhoneShapeRecognizer", [c.PHONE], find_phones)
    add("StreetAddressRecognizer", [c.ADDRESS], find_addresses)
    add("DateOfBirthRecognizer", [c.DATE_OF_BIRTH], find_dates_of_birth)
    add("CredentialRecognizer", [c.USERNAME, c.PASSWORD], find_credentials)
    allow = config.url_allow_domains
    add("UrlRecognizer", [c.URL], lambda text: find_urls(text, allow))
    compiled = compile_id_patterns(config.id_patterns)
    add("IdPatternRecognizer", sorted(config.id_patterns), lambda text: find_ids(text, compiled))
    deny = frozenset(w.lower() for w in config.ner_deny_list)
    add("PersonContextRecognizer", [c.PERSON], lambda text: find_person_context(text, deny))
    keep_countries = config.report_countries
    add(
        "PlaceContextRecognizer", [c.LOCATION],
        lambda text: [s for s in find_place_context(text, deny) if keep_countries or not is_country(text[s.start:s.end])],
    )
    ner_entities = [e for e in (c.PERSON, c.LOCATION) if on(e)]
    if ner_entities:
        recognizers.append(FilteredSpacyRecognizer(lang, ner_entities, deny, keep_countries))
    recognizers.extend(_extra_presidio_recognizers(config))
    return recognizers


def _extra_presidio_recognizers(config: c.PiiConfig) -> list[EntityRecognizer]:
    from presidio_analyzer import predefined_recognizers

    extras: list[EntityRecognizer] = []
    for name in config.extra_presidio_recognizers:
        cls = getattr(predefined_recognizers, name, None)
        if not isinstance(cls, type) or not issubclass(cls, EntityRecognizer):
            raise ValueError(f"unknown Presidio recognizer {name!r}")
        extras.append(cls(supported_language=config.language))
    return extras
