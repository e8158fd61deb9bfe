"""Sentences in which the bot claims (or promises) to have done something to the customer's account.

No action runs from the chat yet, so any such sentence is false: "I've frozen your card", "I have
raised a claim", "I'll refund the fee". Describing what the bank does ("we'll send a replacement")
is not a claim of the bot's own action and is checked against the passages like any other sentence.
"""

from __future__ import annotations

import re

_VERBS = (
    "froze|frozen|freeze|unfroze|unfrozen|unfreeze|refund(?:ed)?|cancel(?:l?ed)?|block(?:ed)?|unblock(?:ed)?|"
    "raise[ds]?|lodged?|file[ds]?|sent|send|order(?:ed)?|report(?:ed)?|update[ds]?|change[ds]?|reset|"
    "dispute[ds]?|open(?:ed)?|close[ds]?|credit(?:ed)?|reverse[ds]?|submit(?:ted)?|arrange[ds]?|issue[ds]?|"
    "replace[ds]?|escalate[ds]?|log(?:ged)?|flag(?:ged)?|add(?:ed)?|remove[ds]?|increase[ds]?|lower(?:ed)?|"
    "activate[ds]?|deactivate[ds]?|waive[ds]?|approve[ds]?|process(?:ed)?|transfer(?:red)?|move[ds]?|"
    "book(?:ed)?|schedule[ds]?|request(?:ed)?|contact(?:ed)?|verif(?:y|ied)|confirm(?:ed)?|"
    "set up|put (?:a|the|your)|made|make|taken|take|done|fixed|fix"
)
_SELF = r"\b(?:I\s*(?:'ve|’ve|have|'ll|’ll|will|am going to|'m going to|’m going to)?|I've|I'll)"
_ADVERBS = r"(?:\s+(?:just|already|now|also|gone ahead and|went ahead and|successfully|immediately))*"
_CLAIM = re.compile(_SELF + _ADVERBS + r"\s+(?:" + _VERBS + r")\b", re.IGNORECASE)
# "We have frozen ...": a finished action in the bank's name (not a description of the process).
_WE_DONE = re.compile(r"\bwe\s*(?:'ve|’ve|have)" + _ADVERBS + r"\s+(?:" + _VERBS + r")\b", re.IGNORECASE)
_WE_DONE_ALLOWED = re.compile(r"\bwe\s*(?:'ve|’ve|have)\s+(?:made|set up|taken)\s+(?:it|steps|sure)\b", re.IGNORECASE)


def claims_action(sentence: str) -> bool:
    """Whether the sentence says the bot did, or is about to do, something to the customer's account."""
    if _CLAIM.search(sentence):
        return True
    return bool(_WE_DONE.search(sentence)) and not _WE_DONE_ALLOWED.search(sentence)
