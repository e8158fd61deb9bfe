"""Fixtures for the copilot, summary, notification and report tests: a deterministic bot behind both seams."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conversations import services
from conversations.bot.pipeline import Pipeline, Source
from conversations.models import Conversation, KnowledgeArticle
from tests.conversations import fakes
from tests.factories import IntentFactory, KnowledgeArticleFactory
from tests.live.conftest import (  # noqa: F401 - the live fixtures (ASGI app, sockets, channel layer) by name
    agent_cookie,
    app_data_restored,
    application,
    live_settings,
    reply_workers,
)

ANSWER = ["Your card ", "arrives in 3-5 ", "working days [1]."]


@dataclass
class Bot:
    pipeline: Pipeline
    article: KnowledgeArticle


@pytest.fixture
def bot(db, settings) -> Bot:
    """Answers 'card' questions from an article; 'pension' finds nothing; 'human' asks for a person."""
    settings.PII_ANONYMIZE = False
    card = IntentFactory(name="card_arrival")
    IntentFactory(name="human_agent", requests_human=True)
    IntentFactory(name="pension_advice")
    article = KnowledgeArticleFactory(slug="card-delivery", title="Card delivery", intents=[card])
    source = Source(article_id=article.pk, title=article.title, url=article.url, score=0.91, passage=article.body)
    fakes.current = Pipeline(
        classifier=fakes.KeywordClassifier({"card": ("card_arrival", 0.93), "human": ("human_agent", 0.88),
                                            "pension": ("pension_advice", 0.71)}),
        retriever=fakes.IntentRetriever({"card_arrival": [source]}),
        responder=fakes.ChunkResponder(list(ANSWER)),
    )
    settings.CHAT_PIPELINE_PROVIDER = fakes.PROVIDER
    settings.CHAT_DRAFT_PIPELINE_PROVIDER = ""  # drafts use the bot's own pipeline
    yield Bot(fakes.current, article)
    fakes.current = None


@pytest.fixture
def taken(bot, agent) -> Conversation:
    """A conversation the bot handed off (the customer asked for a person), the agent took, and the customer wrote in."""
    conversation = services.conversation_create()
    services.customer_message_receive(conversation=conversation, text="I want a human please")
    services.conversation_assign(conversation=conversation, agent=agent)
    services.customer_message_receive(conversation=conversation, text="Hello, my new card has not arrived yet.")
    return conversation
