"""The PII engine this process uses, configured from the settings (conversations/pii/ is the engine).

Kept apart from privacy.py (the ingress, which stores originals in the vault) because the log
filter needs the engine while Django configures logging, before any model can be imported.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings

from conversations.pii import Anonymizer, PiiConfig, get_anonymizer


@lru_cache(maxsize=1)
def pii_config() -> PiiConfig:
    kwargs: dict = {"max_chars": max(settings.CHAT_MAX_MESSAGE_CHARS * 4, 20_000)}
    if settings.PII_ENTITIES:
        kwargs["enabled_entities"] = frozenset(settings.PII_ENTITIES)
    if settings.PII_EXTRA_RECOGNIZERS:
        kwargs["extra_presidio_recognizers"] = tuple(settings.PII_EXTRA_RECOGNIZERS)
    if settings.PII_ID_PATTERNS_JSON:
        kwargs["id_patterns"] = {k: tuple(v) for k, v in json.loads(settings.PII_ID_PATTERNS_JSON).items()}
    return PiiConfig(**kwargs)


def anonymizer() -> Anonymizer:
    return get_anonymizer(pii_config())


def pii_spans(text: str) -> list[tuple[int, int]]:
    """Where personal values are in ``text`` (start, end), without replacing them."""
    return [(e.start, e.end) for e in anonymizer().detect(text)]


_state = threading.local()


@contextmanager
def engine_in_use() -> Iterator[bool]:
    """Yields True when this thread is already inside the engine (a log line it emitted while loading)."""
    busy = getattr(_state, "busy", False)
    _state.busy = True
    try:
        yield busy
    finally:
        _state.busy = busy
