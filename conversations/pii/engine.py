"""The Anonymizer: input policy, normalization, Presidio analysis, placeholders."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Mapping
from typing import Any

from .config import IP, LOCATION, PERSON, PiiConfig
from .detectors import Span
from .dialogue import DialogueContext, find_expected, find_known, is_allowed, is_module_name, is_server_address
from .models import AnonymizedText, DetectedEntity, InputTooLongError, InvalidInputError
from .nlp import shared_nlp_engine
from .normalize import NormalizedText, normalize, sanitize
from .offline import patch_presidio_email_recognizer
from .placeholders import LITERAL_PLACEHOLDER, PlaceholderMap, neutralise_literal
from .resolve import LITERAL, resolve

# When truncating, cut at the last whitespace this close to the limit so a value is
# not split in two (a half card number would no longer be recognised).
_TRUNCATE_LOOKBACK = 200


class Anonymizer:
    """Detects and replaces PII. Construction is cheap; warm_up() loads the models."""

    def __init__(self, config: PiiConfig | None = None) -> None:
        self.config = config or PiiConfig()
        self._lock = threading.Lock()
        self._analyzer: Any = None

    def warm_up(self) -> Anonymizer:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    self._analyzer = _build_analyzer(self.config)
        return self

    @property
    def is_warm(self) -> bool:
        return self._analyzer is not None

    def detect(self, text: str | bytes, placeholders: Mapping[str, str] | None = None,
               context: DialogueContext | None = None) -> list[DetectedEntity]:
        """The personal values in ``text``; ``placeholders`` (the conversation's mapping) and ``context``
        (the dialogue around it) as for anonymize()."""
        original, _ = self._prepare(text)
        return [
            DetectedEntity(s.entity_type, s.start, s.end, original[s.start:s.end], known, round(s.score, 3))
            for s, known in self._spans(original, None, placeholders or {}, context)
            if s.entity_type != LITERAL
        ]

    def anonymize(self, text: str | bytes, placeholders: Mapping[str, str] | None = None,
                  context: DialogueContext | None = None) -> AnonymizedText:
        """``placeholders``: the conversation's mapping; a value it holds (any casing, its parts) keeps
        its placeholder. ``context``: what the previous turn asked for and what is never personal here."""
        original, truncated = self._prepare(text)
        mapping = PlaceholderMap(placeholders)
        normalized = normalize(original)
        spans = self._spans(original, normalized, placeholders or {}, context)
        parts: list[str] = []
        entities: list[DetectedEntity] = []
        literals = 0
        pos = 0
        for span, known in spans:
            parts.append(original[pos:span.start])
            value = _normalized_value(normalized, span)
            if span.entity_type == LITERAL:
                parts.append(neutralise_literal(value))
                literals += 1
            else:
                placeholder = known or mapping.placeholder_for(span.entity_type, value)
                parts.append(placeholder)
                entities.append(
                    DetectedEntity(span.entity_type, span.start, span.end, original[span.start:span.end], placeholder, round(span.score, 3))
                )
            pos = span.end
        parts.append(original[pos:])
        return AnonymizedText(sanitize("".join(parts)), entities, mapping.as_dict(), truncated, literals)

    def _prepare(self, text: str | bytes) -> tuple[str, bool]:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", errors="replace")
        if not isinstance(text, str):
            raise InvalidInputError(f"expected str or bytes, got {type(text).__name__}")
        limit = self.config.max_chars
        if len(text) <= limit:
            return sanitize(text), False
        if self.config.on_oversize == "reject":
            raise InputTooLongError(len(text), limit)
        floor = max(0, limit - _TRUNCATE_LOOKBACK)
        space = max(text.rfind(" ", floor, limit + 1), text.rfind("\n", floor, limit + 1))
        return sanitize(text[:space if space > 0 else limit]), True

    def _spans(self, original: str, normalized: NormalizedText | None, known: Mapping[str, str],
               context: DialogueContext | None) -> list[tuple[Span, str | None]]:
        """Resolved spans in ORIGINAL coordinates, literal placeholders included, each with the
        placeholder the conversation already gave its value (None for a new value)."""
        self.warm_up()
        normalized = normalized or normalize(original)
        norm_text = normalized.text
        found = [
            Span(r.entity_type, r.start, r.end, r.score)
            for r in self._analyzer.analyze(norm_text, language=self.config.language, score_threshold=self.config.score_threshold)
        ]
        expected: list[Span] = []
        if context is not None:
            found, expected = self._in_context(norm_text, found, context)
        fixed: dict[Span, str] = {}
        for span, placeholder in find_known(norm_text, known, context.keep_names if context else ()):
            if self.config.is_enabled(span.entity_type):
                fixed[span] = placeholder
        # What the dialogue says a value is (the kind asked for, the type it already has) outranks
        # a context-free guess of another type inside it ("order 25464152153" for a known account).
        preferred = [*fixed, *expected]
        found = [s for s in found if not any(p.start <= s.start and s.end <= p.end and p.entity_type != s.entity_type for p in preferred)]
        found.extend(preferred)
        found.extend(Span(LITERAL, m.start(), m.end(), 1.0) for m in LITERAL_PLACEHOLDER.finditer(norm_text))
        spans: list[tuple[Span, str | None]] = []
        for span in resolve(found, norm_text):
            placeholder = fixed.get(span)
            start, end = normalized.to_original(span.start, span.end)
            if spans and start < spans[-1][0].end:
                # Two values from one original character (an NFKC expansion such as
                # "ﬁ"): one replacement covers both.
                spans[-1] = (spans[-1][0]._replace(end=max(end, spans[-1][0].end)), spans[-1][1])
                continue
            spans.append((span._replace(start=start, end=end), placeholder))
        return spans

    def _in_context(self, text: str, found: list[Span], context: DialogueContext) -> tuple[list[Span], list[Span]]:
        """Drop what is not personal here; and the bare answers the previous turn asked for."""
        expected = [s for s in find_expected(text, context.expects, self._deny) if self.config.is_enabled(s.entity_type)]
        kept = []
        for span in found:
            value = text[span.start:span.end]
            if span.entity_type in _NAMES and context.keep_names and all(
                w.casefold().strip(".,'’") in context.keep_names for w in value.split()
            ):
                continue
            if context.allow and is_allowed(span.entity_type, value, context.allow):
                continue
            if context.log and (
                (span.entity_type == IP and is_server_address(text, span.start, value))
                or (span.entity_type in _NAMES and is_module_name(text, span.start, span.end, context.keep_names))
            ):
                continue
            kept.append(span)
        return kept, [s for s in expected if not (context.allow and is_allowed(s.entity_type, text[s.start:s.end], context.allow))]

    @property
    def _deny(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.config.ner_deny_list)


_NAMES = frozenset({PERSON, LOCATION})


def _normalized_value(normalized: NormalizedText, span: Span) -> str:
    """The normalized text behind an original-coordinate span (for canonical keys)."""
    if normalized.starts is None:
        return normalized.text[span.start:span.end]
    return normalized.text[bisect_left(normalized.starts, span.start):bisect_left(normalized.starts, span.end)]


def _build_analyzer(config: PiiConfig) -> Any:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer, LemmaContextAwareEnhancer

    # Our recognizers subclass Presidio's, so importing them loads Presidio and spaCy: only when the engine is built.
    from .recognizers import build_recognizers

    class NoContextEnhancer(ContextAwareEnhancer):  # type: ignore[misc, valid-type]
        """Our recognizers weigh their own context; Presidio's lemma window search is
        quadratic in the token count (1.4 s on a 20,000-character message)."""

        def __init__(self) -> None:
            super().__init__(0.0, 0.0, 0, 0)

        def enhance_using_context(self, text: str, raw_results: list[Any], *args: Any, **kwargs: Any) -> list[Any]:
            return raw_results

    patch_presidio_email_recognizer()
    presidio_context = bool(config.extra_presidio_recognizers)
    nlp_engine = shared_nlp_engine(config.spacy_model, config.language, with_lemmas=presidio_context)
    registry = RecognizerRegistry(recognizers=build_recognizers(config), supported_languages=[config.language])
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[config.language],
        default_score_threshold=config.score_threshold,
        context_aware_enhancer=LemmaContextAwareEnhancer() if presidio_context else NoContextEnhancer(),
    )


_cache: dict[str, Anonymizer] = {}
_cache_lock = threading.Lock()


def get_anonymizer(config: PiiConfig | None = None) -> Anonymizer:
    """One warmed Anonymizer per distinct configuration, shared process-wide."""
    config = config or PiiConfig()
    key = config.cache_key()
    with _cache_lock:
        anonymizer = _cache.get(key)
        if anonymizer is None:
            anonymizer = Anonymizer(config)
            _cache[key] = anonymizer
    return anonymizer.warm_up()
