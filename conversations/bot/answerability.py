"""Whether the bot may answer a message, from the intent model's verdict and what retrieval found.

Both signals are in hand before this is asked: the pipeline retrieves for every message it does
not pass on at once, so a message the intent model doubts can still be answered when the knowledge
base clearly covers it (and the other way round), by the rule chosen here.
"""

from __future__ import annotations

from conversations.bot.types import Classification, Source
from conversations.models import HandoffReason


def handoff_reason_for(*, classification: Classification, sources: list[Source]) -> HandoffReason | None:
    """None when the bot answers; otherwise why a person takes over."""
    if classification.out_of_scope:
        # Below the calibrated threshold on an intent we know is low confidence; no intent at all is out of scope.
        return HandoffReason.LOW_CONFIDENCE if classification.intent else HandoffReason.OUT_OF_SCOPE
    if not sources:
        return HandoffReason.NOTHING_RELEVANT
    return None
