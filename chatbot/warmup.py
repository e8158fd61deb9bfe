"""Load the heavy parts (PII engine, active models) in the background when a web process starts,
so the first customer does not wait for them."""

from __future__ import annotations

import logging
import threading

from django.conf import settings

from conversations.pii_engine import anonymizer
from training.serving.pipeline import warm_up

logger = logging.getLogger(__name__)


def _warm() -> None:
    try:
        if settings.PII_ANONYMIZE:
            anonymizer().warm_up()
        warm_up()
    except Exception:  # a failed warm-up only means the first request loads instead
        logger.exception("Warm-up failed; models will load on first use")


def warm_up_in_background() -> threading.Thread:
    thread = threading.Thread(target=_warm, name="warm-up", daemon=True)
    thread.start()
    return thread
