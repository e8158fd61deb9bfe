"""Responder training pairs: passages as the served index retrieves them, no action claims, [n] only where supported."""

from __future__ import annotations

import re

import pytest

from conversations import services
from conversations.models import AgentReply, Conversation, Intent, KnowledgeArticle, Message
from tests.factories import ConversationFactory
from tests.training.responder_index import demo_index  # noqa: F401 - fixture
from training.ml.responder.claims import SUPPORT_THRESHOLD, claims_action, support
from training.ml.responder.errors import ResponderDataError
from training.ml.responder.prompt import HANDOFF_REPLY
from training.responder.pairs import PairStats, responder_pairs_from_db
from training.serving.slots import served_role

pytestmark = pytest.mark.django_db
# Each test but the last builds a real index of the demo articles (about 10 s on two cores).
slow = pytest.mark.slow
_CITED = re.compile(r"\[(\d+)\]")


def _sentences_with_citations(reply: str) -> list[tuple[str, list[int]]]:
    parts = re.split(r"(?<=[.!?])\s+(?=\S)", reply)
    return [(part, [int(n) for n in _CITED.findall(part)]) for part in parts]


@slow
@pytest.mark.usefixtures("demo_index")
def test_pairs_use_retrieved_passages_claim_nothing_and_cite_only_what_supports_them():
    stats = PairStats()
    pairs = responder_pairs_from_db(stats=stats)
    by_source = {s: [p for p in pairs if p.source == s] for s in ("agent_reply", "knowledge_base", "unanswerable")}
    assert all(by_source.values()), {s: len(v) for s, v in by_source.items()}
    retriever = served_role("retriever")
    human = set(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    for pair in pairs:
        # The prompt's passages are what the served retriever returns for that question (minus its own
        # articles for an unanswerable one), in the same order.
        served = [s.article_id for s in retriever.retrieve(text=pair.input.question, history=[], intent=pair.input.intent)]
        shown = [p.article_id for p in pair.input.passages]
        if pair.source == "unanswerable":
            assert pair.reply == HANDOFF_REPLY and pair.gold_article_ids == ()
            own = set(KnowledgeArticle.objects.filter(intents__name=pair.input.intent).values_list("id", flat=True))
            assert shown == [a for a in served if a not in own] and shown
            continue
        assert shown == served and pair.input.intent not in human
        for sentence, cited in _sentences_with_citations(pair.reply):
            assert not claims_action(sentence), pair.reply
            assert len(cited) == 1 and 1 <= cited[0] <= len(shown), pair.reply
            passage = pair.input.passages[cited[0] - 1]
            assert support(sentence, f"{passage.title}\n{passage.text}") >= SUPPORT_THRESHOLD, (sentence, passage.text)
        assert set(pair.gold_article_ids) == {pair.input.passages[n - 1].article_id
                                              for n in map(int, _CITED.findall(pair.reply))}
    assert stats.sentences_unsupported > 0  # agent replies say more than the retrieved passages do


@slow
@pytest.mark.usefixtures("demo_index")
def test_a_claim_in_an_agent_reply_is_never_a_target_and_reproducible():
    intent = Intent.objects.get(name="card_lost_or_stolen")
    AgentReply.objects.create(intent=intent, text="I've frozen your card for you so nobody can use it. "
                                                  "Freezing stops all card payments and cash withdrawals instantly.")
    stats = PairStats()
    pairs = responder_pairs_from_db(seed=3, stats=stats)
    assert pairs == responder_pairs_from_db(seed=3)
    assert stats.sentences_claiming_action >= 1
    assert not any("frozen your card" in p.reply for p in pairs)


@slow
@pytest.mark.usefixtures("demo_index")
def test_unpublished_articles_are_never_shown():
    hidden = KnowledgeArticle.objects.get(slug="lost-or-stolen-card")
    KnowledgeArticle.objects.filter(pk=hidden.pk).update(published=False)
    assert all(p.article_id != hidden.pk for pair in responder_pairs_from_db(seed=3) for p in pair.input.passages)


def test_without_an_active_index_the_pairs_are_refused_with_the_reason(settings):
    from conversations.demo import demo_data_load

    settings.PII_ANONYMIZE = False
    demo_data_load()
    with pytest.raises(ResponderDataError, match="no active knowledge-base index"):
        responder_pairs_from_db()


@slow
@pytest.mark.usefixtures("demo_index")
def test_a_closed_conversation_keeps_its_history_and_loses_the_agents_action_claim(agent):
    conversation = ConversationFactory()
    services.customer_message_receive(conversation=conversation, text="hello there")
    services.customer_message_receive(conversation=conversation, text="my card never came, what now?")
    services.conversation_assign(conversation=conversation, agent=agent)
    services.agent_message_post(conversation=conversation, agent=agent, text=(
        "I have ordered you a free replacement. If your card hasn't arrived after 7 working days, "
        "tap Cards > Card status > Card not arrived."))
    services.conversation_close(conversation=conversation)
    [pair] = [p for p in responder_pairs_from_db() if p.source == "conversation"]
    assert pair.input.question == "my card never came, what now?"
    assert "ordered you" not in pair.reply and "Card not arrived [" in pair.reply
    assert ("customer", "hello there") in pair.input.history
    assert all(role != Message.Role.SYSTEM for role, _ in pair.input.history)
    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.CLOSED
