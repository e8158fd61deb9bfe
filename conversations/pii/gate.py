"""The cheap pass before spaCy: may this text name a person or a place at all?

spaCy's NER is most of the engine's CPU (about 5 ms of a 6 ms message), yet most support messages
("How do I change my PIN?") hold no word that could be a name. spaCy's small model finds people
and places through capitalised words, so NER runs only where a word has a capital letter and is
not a function word, a support word or a greeting (what the NER deny list already drops), or where
a lower-case name cue ("my name is jo") appears. A text that passes nothing here gets no NER pass;
every other recognizer (the regexes, the cues) still runs on it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .config import DEFAULT_NER_DENY_LIST
from .detectors.names import SUPPORT_VOCABULARY

_WORD = re.compile(r"[^\W\d_][\w'’.\-]*")
# Lower-case names are introduced ("my name is jo", "this is sam"), or follow a title ("mr smith").
_LOWER_CUE = re.compile(r"\b(?:name|i am|i'm|im|this is|call me|mr|mrs|ms|miss|dr)\b", re.IGNORECASE)
# Function words that are also given names: never counted as safe.
_ALSO_NAMES = frozenset({"may", "will", "bill", "mark", "rose", "grace", "hope", "joy", "june", "april", "august", "sue", "pat"})


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    deny = {w for phrase in DEFAULT_NER_DENY_LIST for w in phrase.split()}
    return frozenset((set(STOP_WORDS) | SUPPORT_VOCABULARY | deny) - _ALSO_NAMES)


def may_hold_names(text: str) -> bool:
    """False only when no word of ``text`` could be a person's or a place's name to spaCy."""
    vocabulary = _vocabulary()
    has_lower_word = False
    for match in _WORD.finditer(text):
        word = match.group()
        if word.islower():
            has_lower_word = True
            continue
        key = word.lower().rstrip(".'’-")
        key = key[:-2] if key.endswith(("'s", "’s")) else key
        if key not in vocabulary:
            return True
    return has_lower_word and _LOWER_CUE.search(text) is not None
