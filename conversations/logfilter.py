"""A logging filter that keeps raw message text out of every log line."""

from __future__ import annotations

import logging
import re
import sys
from functools import lru_cache
from importlib import metadata

from django.conf import settings

from conversations.pii import DialogueContext
from conversations.pii_engine import anonymizer, engine_in_use

WITHHELD = "[log message withheld: it could not be anonymized]"


@lru_cache(maxsize=1)
def _log_context() -> DialogueContext:
    """A log line keeps the server's own loopback / bind addresses and the names of the modules and
    libraries it mentions ("Presidio", "daphne"); a customer's value in it is still replaced."""
    names = {name.casefold() for name in sys.modules if "." not in name and not name.startswith("_")}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").casefold()
        names.update({name, name.replace("-", "_"), *re.split(r"[-_.]", name)})
    names.update(part for name in list(names) for part in name.split("_"))
    return DialogueContext(keep_names=frozenset(n for n in names if len(n) >= 3), log=True)


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
                engine, context = anonymizer(), _log_context()
                record.msg, record.args = engine.anonymize(record.getMessage(), context=context).text, None
                if record.exc_info:
                    text = logging.Formatter().formatException(record.exc_info)
                    record.exc_text, record.exc_info = engine.anonymize(text, context=context).text, None
        except Exception:  # logging must never raise; dropping the text is the safe failure
            record.msg, record.args, record.exc_info, record.exc_text = WITHHELD, None, None, None
        record._pii_scrubbed = True
        return True
