"""Grounded answers (pure): sentence splitting, citation clean-up, the facts a cited passage must
contain, content-word overlap, action-claim detection, the serve-time sentence check and the
extractive answer. No Django; numpy is imported inside the functions that need it.

    extract_answer(question="when will my card arrive?", history=[], passages=[...], embed=encode)
    check_sentence("Cards arrive within 5 working days [1].", passages)   # SentenceCheck(supported=...)
"""

from training.ml.answers.actions import claims_action
from training.ml.answers.extractive import Candidate, ExtractiveAnswer, ExtractiveRules, candidates, extract_answer
from training.ml.answers.facts import facts, missing_facts
from training.ml.answers.grounding import GroundingRules, SentenceCheck, check_sentence, is_courtesy, passages_checked
from training.ml.answers.text import (
    cite,
    cited_numbers,
    content_words,
    ends_sentence,
    keep_citations,
    split_sentences,
    strip_citations,
    word_overlap,
)

__all__ = [
    "Candidate",
    "ExtractiveAnswer",
    "ExtractiveRules",
    "GroundingRules",
    "SentenceCheck",
    "candidates",
    "check_sentence",
    "cite",
    "cited_numbers",
    "claims_action",
    "content_words",
    "ends_sentence",
    "extract_answer",
    "facts",
    "is_courtesy",
    "keep_citations",
    "missing_facts",
    "passages_checked",
    "split_sentences",
    "strip_citations",
    "word_overlap",
]
