"""A deterministic served pipeline for evaluation tests: the demo bank's articles and intents, fake parts."""

from __future__ import annotations

import json

import pytest

from conversations.bot.pipeline import Pipeline, Source
from conversations.demo import demo_data_load
from conversations.models import KnowledgeArticle
from tests.conversations.fakes import ChunkResponder, IntentRetriever, KeywordClassifier

CARD_TITLE = "When will my card arrive?"
CARD_REPLY = ["New and replacement Kestrel cards ", "usually arrive within 3 to 5 working days of being ordered [1]."]


def item(**fields) -> dict:
    return {"id": "q1", "question": "How long does a new card take to come?", "history": [], "kind": "answer",
            "article": CARD_TITLE, "facts": ["3 to 5 working days"]} | fields


def write_items(path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture
def demo_bank(db):
    demo_data_load()


@pytest.fixture
def fake_served(demo_bank):
    """A pipeline that answers card questions from the card article, hands off the rest (a fake of pipeline_for)."""
    article = KnowledgeArticle.objects.get(title=CARD_TITLE)
    passage = article.body.split("\n\n")[0]
    source = Source(article_id=article.pk, title=article.title, url=article.url, score=0.9, passage=passage)
    classifier = KeywordClassifier({"person": ("human_agent", 0.95), "card": ("card_arrival", 0.9)})
    retriever = IntentRetriever({"card_arrival": [source]})
    responder = ChunkResponder(CARD_REPLY)
    responder.tier = "extractive"
    return Pipeline(classifier=classifier, retriever=retriever, responder=responder, human_intents=frozenset({"human_agent"}))
