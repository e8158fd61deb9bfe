"""Fixtures of the responder-backend tests: the base model's tokenizer (converted once from the packaged
GGUF, as the other responder tests do) and a served pipeline whose generative tier talks to a server."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.responder_fixtures import base_model_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def base_folder() -> str:
    from training.ml.responder.base import DEFAULT_BASE_MODEL, resolve_base_model

    return resolve_base_model(DEFAULT_BASE_MODEL, cache_dir=base_model_dir())


@pytest.fixture(scope="session")
def base_tokenizer(base_folder: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base_folder)


@pytest.fixture(scope="session")
def sentence_embedder() -> Any:
    from training.ml.retrieval.encoder import load_encoder
    from training.serving.answers import SentenceEmbedder

    return SentenceEmbedder(load_encoder(None))


@pytest.fixture
def served(settings, base_tokenizer, sentence_embedder):
    """``served(url)`` installs the served pipeline (PII on) over the chat-completions server at ``url``."""
    from conversations.bot.pipeline import Source
    from tests.factories import IntentFactory, KnowledgeArticleFactory
    from tests.responder_backend import served as pipeline

    settings.PII_ANONYMIZE = True
    settings.CHAT_PIPELINE_PROVIDER = pipeline.PROVIDER
    intent = IntentFactory(name="card_arrival")
    article = KnowledgeArticleFactory(slug="card-delivery", title="When will my card arrive?", body=pipeline.BODY,
                                      intents=[intent])
    source = Source(article_id=article.pk, title=article.title, url=article.url, score=0.9, passage=pipeline.BODY)

    def install(url: str, **timeouts: float) -> None:
        pipeline.install(url=url, tokenizer=base_tokenizer, embedder=sentence_embedder, source=source, **timeouts)

    yield install
    pipeline.uninstall()
