"""Services publish their events only once their transaction commits, and the right ones."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction

from conversations import events, services
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(events, "publish", sent.extend)
    return sent


def test_events_wait_for_the_commit(published, agent, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(status="waiting_for_agent")
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_assign(conversation=conversation, agent=agent)
        assert published == []
    group = f"chat.conversation.{conversation.public_id.hex}"
    assert [(g, e["type"]) for g, e in published] == [(group, "chat.message"), (group, "chat.status"), ("chat.console", "console.changed")]
    assert published[1][1]["event"] == "agent_joined" and published[1][1]["agent"] == "Alice"
    assert published[2][1]["conversation"]["status"] == "with_agent"


def test_a_rolled_back_change_is_never_announced(published, django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            services.conversation_request_human(conversation=conversation)
            raise RuntimeError("the request failed later")
    assert callbacks == [] and published == []
