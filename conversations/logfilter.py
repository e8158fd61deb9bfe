"""A logging filter that keeps raw message text out of every log line."""

from __future__ import annotations

import logging

from django.conf import settings

from conversations.pii_engine import anonymizer, engine_in_use

WITHHELD = "[log message withheld: it could not be anonymized]"


class AnonymizingFilter(logging.Filter):
    """Anonymizes the formatted message and any traceback text before a handler writes them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(settings, "PII_ANONYMIZE", True) or getattr(record, "_pii_scrubbed", False):
            return True
        try:
            with engine_in_use() as reentered:
                if reentered:
                    # Emitted by the engine itself (while loading): scanning it here would deadlock.
                    raise RuntimeError("re-entered")
                engine = anonymizer()
                record.msg, record.args = engine.anonymize(record.getMessage()).text, None
                if record.exc_info:
                    text = logging.Formatter().formatException(record.exc_info)
                    record.exc_text, record.exc_info = engine.anonymize(text).text, None
        except Exception:  # logging must never raise; dropping the text is the safe failure
            record.msg, record.args, record.exc_info, record.exc_text = WITHHELD, None, None, None
        record._pii_scrubbed = True
        return True
