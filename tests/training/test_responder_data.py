"""Responder training pairs built from the demo data and from conversations agents answered."""

from __future__ import annotations

import re

import pytest

from conversations import services
from conversations.demo import demo_data_load
from conversations.models import AgentReply, Conversation, KnowledgeArticle, Message
from tests.factories import ConversationFactory
from training.ml.responder.prompt import HANDOFF_REPLY
from training.responder.pairs import responder_pairs_from_db

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PII_ANONYMIZE = False
    demo_data_load()


def _cited(pair) -> list[int]:  # noqa: ANN001
    return [pair.input.passages[int(n) - 1].article_id for n in re.findall(r"\[(\d+)\]", pair.reply)]


def test_every_source_is_used_and_replies_cite_the_gold_passage(demo):
    pairs = responder_pairs_from_db()
    by_source = {s: [p for p in pairs if p.source == s] for s in ("agent_reply", "knowledge_base", "unanswerable")}
    assert all(by_source.values()), {s: len(v) for s, v in by_source.items()}
    assert len(by_source["agent_reply"]) >= AgentReply.objects.count()
    for pair in by_source["agent_reply"] + by_source["knowledge_base"]:
        assert pair.gold_article_ids and set(_cited(pair)) <= set(pair.gold_article_ids), pair
        ids = [p.article_id for p in pair.input.passages]
        assert len(ids) == len(set(ids)) >= 2, "gold passage plus distractors, no duplicates"
    for pair in by_source["unanswerable"]:
        assert pair.reply == HANDOFF_REPLY and pair.gold_article_ids == ()
        intent_articles = set(KnowledgeArticle.objects.filter(intents__name=pair.input.intent).values_list("id", flat=True))
        assert not intent_articles & {p.article_id for p in pair.input.passages}


def test_pairs_are_reproducible_and_skip_unpublished_articles(demo):
    first = responder_pairs_from_db(seed=3)
    assert first == responder_pairs_from_db(seed=3)
    hidden = KnowledgeArticle.objects.first()
    KnowledgeArticle.objects.filter(pk=hidden.pk).update(published=False)
    assert all(p.article_id != hidden.pk for pair in responder_pairs_from_db(seed=3) for p in pair.input.passages)


def test_a_closed_conversation_answered_by_an_agent_becomes_a_pair_with_its_history(demo, agent):
    conversation = ConversationFactory()
    services.customer_message_receive(conversation=conversation, text="hello there")
    services.customer_message_receive(conversation=conversation, text="my card never came, what now?")
    services.conversation_assign(conversation=conversation, agent=agent)
    services.agent_message_post(conversation=conversation, agent=agent, text="I have ordered you a free replacement.")
    services.conversation_close(conversation=conversation)
    [pair] = [p for p in responder_pairs_from_db() if p.source == "conversation"]
    assert pair.input.question == "my card never came, what now?"
    assert pair.reply == "I have ordered you a free replacement."
    assert ("customer", "hello there") in pair.input.history
    assert all(role != Message.Role.SYSTEM for role, _ in pair.input.history)
    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.CLOSED
