"""Fixtures for the conversations tests: a deterministic bot plugged into the pipeline seam."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conversations.bot.pipeline import Pipeline, Source
from conversations.models import Intent, KnowledgeArticle
from tests.conversations import fakes
from tests.factories import IntentFactory, KnowledgeArticleFactory

ANSWER_CHUNKS = ["Your card ", "arrives in 3-5 ", "working days [1]."]


@pytest.fixture(autouse=True)
def _store_text_as_typed(settings):
    # These tests use synthetic text; anonymization has its own suite (tests/pii). Keeping the
    # PII engine out makes the foundation tests fast and lets them compare stored text exactly.
    settings.PII_ANONYMIZE = False


@pytest.fixture
def pipeline(settings):
    """Install a pipeline made of the given parts: ``pipeline(classifier=..., retriever=..., responder=...)``."""

    def install(*, classifier=None, retriever=None, responder=None) -> Pipeline:  # noqa: ANN001
        fakes.current = Pipeline(classifier=classifier, retriever=retriever, responder=responder)
        settings.CHAT_PIPELINE_PROVIDER = fakes.PROVIDER
        return fakes.current

    yield install
    fakes.current = None


@dataclass
class Bot:
    classifier: fakes.KeywordClassifier
    retriever: fakes.IntentRetriever
    responder: fakes.ChunkResponder
    card_arrival: Intent
    human_agent: Intent
    no_article: Intent
    article: KnowledgeArticle


@pytest.fixture
def bot(db, pipeline) -> Bot:
    """A bot that answers 'card' questions from an article, hands 'human' requests to a person,
    finds nothing for 'pension' questions and treats everything else as out of scope."""
    card_arrival = IntentFactory(name="card_arrival")
    human_agent = IntentFactory(name="human_agent", requests_human=True)
    no_article = IntentFactory(name="pension_advice")
    article = KnowledgeArticleFactory(slug="card-delivery", title="Card delivery", intents=[card_arrival])
    source = Source(article_id=article.pk, title=article.title, url=article.url, score=0.912345678, passage=article.body)
    classifier = fakes.KeywordClassifier(
        {"card": ("card_arrival", 0.93), "human": ("human_agent", 0.88), "pension": ("pension_advice", 0.71)}
    )
    retriever = fakes.IntentRetriever({"card_arrival": [source]})
    responder = fakes.ChunkResponder(list(ANSWER_CHUNKS))
    pipeline(classifier=classifier, retriever=retriever, responder=responder)
    return Bot(classifier, retriever, responder, card_arrival, human_agent, no_article, article)
