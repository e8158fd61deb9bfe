"""Staff search over the served knowledge-base index: what would the bot find for this question?"""

from __future__ import annotations

from typing import Any

from training.errors import IndexUnavailable
from training.serving.retriever import ServedRetriever
from training.serving.slots import served_role


def knowledge_search(*, text: str, k: int, intent: str | None = None) -> tuple[ServedRetriever, list[Any]]:
    """The k best articles for ``text``, as the bot searches (without conversation history)."""
    served = served_role("retriever", wait=True)
    if served is None:
        raise IndexUnavailable("No knowledge-base index is being served: build one (Admin > Knowledge articles > "
                               "Rebuild the index, or POST /api/v1/training-runs/ with kind retrieval_index) and try again.")
    return served, served.search(text, k=k, intent=intent)
