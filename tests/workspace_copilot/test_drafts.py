"""The copilot's drafts: grounded by the bot's tiers over the whole conversation, stored, settled by what the agent sent."""

from __future__ import annotations

import threading

import pytest

from conversations import services
from conversations.errors import ChatError
from conversations.models import DraftSuggestion
from tests.factories import UserFactory

Outcome = DraftSuggestion.Outcome


def test_a_draft_answers_the_latest_message_with_the_whole_conversation_as_history(bot, taken, agent):
    tokens: list[str] = []
    result = services.draft_create(conversation=taken, agent=agent, on_token=tokens.append)
    draft = result.draft
    assert draft is not None and draft.outcome == Outcome.PENDING
    assert "".join(tokens) == draft.text == "Your card arrives in 3-5 working days [1]."
    assert draft.sources[0]["title"] == "Card delivery" and draft.model_versions == {"intent": 7, "retrieval_index": 4, "responder": 2}
    assert draft.for_message.text == "Hello, my new card has not arrived yet."
    # The whole conversation is the history (system notices left out), for retrieval and the answer tier alike.
    call = bot.pipeline.responder.calls[-1]
    assert [t.text for t in call["history"]] == ["I want a human please"]
    assert bot.pipeline.retriever.calls[-1]["history"] == call["history"]


def test_sent_unchanged_edited_and_discarded_are_decided_by_the_sent_text(bot, taken, agent):
    first = services.draft_create(conversation=taken, agent=agent).draft
    services.agent_message_post(conversation=taken, agent=agent, text=f"  {first.text} ", draft=first.pk)
    first.refresh_from_db()
    assert first.outcome == Outcome.SENT_UNCHANGED and first.sent_message is not None and first.decided_at

    second = services.draft_create(conversation=taken, agent=agent).draft
    services.agent_message_post(conversation=taken, agent=agent, text=second.text + " Anything else?", draft=second.pk)
    second.refresh_from_db()
    assert second.outcome == Outcome.EDITED and second.sent_message.text.endswith("Anything else?")

    third = services.draft_create(conversation=taken, agent=agent).draft
    services.agent_message_post(conversation=taken, agent=agent, text="Let me check that for you.")
    third.refresh_from_db()
    assert third.outcome == Outcome.DISCARDED and third.sent_message is None


def test_a_new_draft_or_closing_discards_the_pending_one(bot, taken, agent):
    first = services.draft_create(conversation=taken, agent=agent).draft
    second = services.draft_create(conversation=taken, agent=agent).draft
    first.refresh_from_db()
    assert first.outcome == Outcome.DISCARDED and second.outcome == Outcome.PENDING
    services.conversation_close(conversation=taken)
    second.refresh_from_db()
    assert second.outcome == Outcome.DISCARDED


def test_a_cancelled_draft_is_stored_as_discarded(bot, taken, agent):
    cancel = threading.Event()
    result = services.draft_create(conversation=taken, agent=agent, on_token=lambda _: cancel.set(), cancelled=cancel)
    assert result.reason == "cancelled" and result.draft.outcome == Outcome.DISCARDED


def test_nothing_grounded_gives_no_draft_and_stores_none(bot, agent):
    conversation = services.conversation_create()
    services.customer_message_receive(conversation=conversation, text="What about my pension?")
    services.conversation_assign(conversation=conversation, agent=agent)
    result = services.draft_create(conversation=conversation, agent=agent)
    assert result.draft is None and result.reason == "nothing_relevant" and "write the reply yourself" in result.message
    assert not DraftSuggestion.objects.exists()


def test_only_the_agent_who_has_the_conversation_gets_drafts(bot, taken, agent):
    other = UserFactory(username="bob.agent", groups=["Agents"])
    with pytest.raises(ChatError) as refused:
        services.draft_create(conversation=taken, agent=other)
    assert refused.value.code == "not_assigned"
    services.conversation_return_to_bot(conversation=taken)
    with pytest.raises(ChatError) as refused:
        services.draft_create(conversation=taken, agent=agent)
    assert refused.value.code == "invalid_transition"
    assert not DraftSuggestion.objects.exists()


def test_admin_shows_the_rates_per_model_version(bot, taken, agent, staff_web):
    first = services.draft_create(conversation=taken, agent=agent).draft
    services.agent_message_post(conversation=taken, agent=agent, text=first.text, draft=first.pk)
    second = services.draft_create(conversation=taken, agent=agent).draft
    services.agent_message_post(conversation=taken, agent=agent, text="Something else entirely.", draft=second.pk)
    page = staff_web.get("/admin/conversations/draftsuggestion/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "intent v7, responder v2, retrieval_index v4 (no tier)" in text and "1 (50 %)" in text
