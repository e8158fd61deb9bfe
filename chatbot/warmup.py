"""Load the heavy parts (PII engine, active models) in the background when a web process starts,
so the first customer does not wait for them."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


def _warm() -> None:
    from django.conf import settings

    try:
        if settings.PII_ANONYMIZE:
            from conversations.privacy import anonymizer

            anonymizer().warm_up()
        from training.serving import served_intent_classifier, served_responder, served_retriever

        served_intent_classifier(wait=True)
        served_retriever(wait=True)
        served_responder(wait=True)
    except Exception:  # a failed warm-up only means the first request loads instead
        logger.exception("Warm-up failed; models will load on first use")


def warm_up_in_background() -> threading.Thread:
    thread = threading.Thread(target=_warm, name="warm-up", daemon=True)
    thread.start()
    return thread
