"""Security tests: one object of every kind the API serves, and the in-process WSGI app.

The role fixtures (anonymous, customer_a/customer_b, agent, staff, integrator and their API
clients) come from tests/conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core import signals
from django.db import close_old_connections

from conversations.models import Conversation, Intent, KnowledgeArticle, TrainingExample
from tests.security.matrix_parts import parts
from tests.factories import IntentFactory, KnowledgeArticleFactory, MessageFactory, TrainingExampleFactory
from training.intent.evaluation import REPORT_DIR, REPORT_FILE
from training.models import ModelVersion, TrainingRun

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16  # served as a file, never decoded


@pytest.fixture(autouse=True)
def _store_text_as_typed(settings):
    # Access control does not depend on anonymization (tests/pii and tests/privacy cover it).
    settings.PII_ANONYMIZE = False


@dataclass
class World:
    """Customer A's conversation and one row of every resource, for URLs that need an id."""

    conversation: Conversation
    intent: Intent
    example: TrainingExample
    article: KnowledgeArticle
    run: TrainingRun
    version: ModelVersion
    previous: ModelVersion
    added: dict[str, object] = field(default_factory=dict)  # ids of the rows matrix_parts/ create

    def ids(self) -> dict[str, object]:
        return self.added | {"conversation": self.conversation.public_id, "intent": self.intent.pk, "example": self.example.pk,
                "article": self.article.pk, "run": self.run.pk, "version": self.version.pk}


def _artifact_with_report(folder: Path) -> str:
    """An artifact folder holding only an evaluation report: readable, but not a model that can be served."""
    reports = folder / REPORT_DIR
    reports.mkdir(parents=True)
    (reports / REPORT_FILE).write_text(json.dumps({"accuracy": 0.9, "macro_f1": 0.88, "per_intent": {}}))
    for image in ("confusion_matrix.png", "confidence_histogram.png"):
        (reports / image).write_bytes(PNG)
    return str(folder)


@pytest.fixture
def world(customer_a, customer_b, tmp_path) -> World:
    MessageFactory(conversation=customer_a, text="where is my card")
    MessageFactory(conversation=customer_b, text="customer B's private question")
    intent = IntentFactory(name="card_arrival")
    # Neither version holds a model: activating either is refused with 409, after the permission check.
    previous = ModelVersion.objects.create(kind="intent", version=1, artifact_path=str(tmp_path / "missing"))
    version = ModelVersion.objects.create(kind="intent", version=2, artifact_path=_artifact_with_report(tmp_path / "v2"))
    world = World(
        conversation=customer_a,
        intent=intent,
        example=TrainingExampleFactory(intent=intent),
        article=KnowledgeArticleFactory(intents=[intent]),
        run=TrainingRun.objects.create(kind="intent"),
        version=version,
        previous=previous,
    )
    for part in parts():
        if hasattr(part, "make_objects"):
            world.added.update(part.make_objects(world))
    return world


@pytest.fixture
def wsgi_app() -> Iterator[object]:
    """Django's WSGI handler, talking to the test database in this thread.

    Like Django's test client, it must not close the connection at the end of a request: that
    would end the test's transaction.
    """
    from django.core.wsgi import get_wsgi_application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
