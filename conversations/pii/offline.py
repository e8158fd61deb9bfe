"""Offline public-suffix lookups for email validation.

Presidio's EmailRecognizer calls ``tldextract.extract``, whose default extractor
tries to download the public suffix list (and write a cache under $HOME) on first
use: offline that stalls and logs a traceback. We use an extractor built from the
snapshot bundled with tldextract (no URLs, no cache directory), and point
Presidio's email recognizer module at it.
"""

from __future__ import annotations

import importlib
import threading
from types import SimpleNamespace
from typing import Any

_lock = threading.Lock()
_extractor: Any = None


def offline_extractor() -> Any:
    global _extractor
    with _lock:
        if _extractor is None:
            import tldextract

            _extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
        return _extractor


def has_public_suffix(domain: str) -> bool:
    return offline_extractor()(domain).fqdn != ""


def patch_presidio_email_recognizer() -> None:
    """Make every Presidio EmailRecognizer in this process validate offline."""
    module = importlib.import_module("presidio_analyzer.predefined_recognizers.generic.email_recognizer")
    if not isinstance(getattr(module, "tldextract", None), SimpleNamespace):
        module.tldextract = SimpleNamespace(extract=offline_extractor())  # type: ignore[attr-defined]
