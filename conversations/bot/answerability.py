"""Whether the bot may answer a message, from the intent model's verdict and what retrieval found.

Both signals are in hand before this is asked: the pipeline retrieves for every message it does
not pass on at once, so a message the intent model doubts can still be answered when the knowledge
base clearly covers it, and a message it accepts is handed off when nothing relevant is found.

The rule (thresholds chosen on the dev split of the held-out set, bench/retrieval/heldout.py):
- no source reached the index's relevance floor -> hand off (nothing relevant, or out of scope when
  the intent model also said so);
- the intent model says out of scope -> answer only when the best source's relevance reaches
  RETRIEVAL_CONFIDENT_SCORE, else hand off (low confidence on a known intent, out of scope otherwise);
- otherwise answer.
"""

from __future__ import annotations

from django.conf import settings

from conversations.bot.types import Classification, Source
from conversations.models import HandoffReason


def handoff_reason_for(*, classification: Classification, sources: list[Source],
                       confident_score: float | None = None) -> HandoffReason | None:
    """None when the bot answers; otherwise why a person takes over.

    ``confident_score`` overrides RETRIEVAL_CONFIDENT_SCORE (benchmarks compare rules with it).
    """
    if confident_score is None:
        confident_score = settings.RETRIEVAL_CONFIDENT_SCORE
    best = max((s.score for s in sources), default=None)
    if classification.out_of_scope:
        if best is not None and best >= confident_score:
            return None
        # Below the calibrated threshold on an intent we know is low confidence; no intent at all is out of scope.
        return HandoffReason.LOW_CONFIDENCE if classification.intent else HandoffReason.OUT_OF_SCOPE
    if best is None:
        return HandoffReason.NOTHING_RELEVANT
    return None
