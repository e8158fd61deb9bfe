"""The bot-action step in the pipeline seam: asked after classification and before retrieval, only when the
caller names the conversation; its reply or hand-off ends the turn; the served provider plugs it in by name."""

from __future__ import annotations

import pytest

from conversations.bot.pipeline import ActionReply, Classification, HandoffReason, Pipeline
from integrations.actions.runtime import BotActions
from training.serving.pipeline import bot_actions, pipeline_components


class Classifier:
    version = 3

    def __init__(self, intent: str = "card_arrival") -> None:
        self.intent = intent

    def classify(self, text: str) -> Classification:
        return Classification(intent=self.intent, confidence=0.9, out_of_scope=False, model_version=3)


class Retriever:
    version = 1

    def __init__(self) -> None:
        self.calls = 0

    def retrieve(self, **kwargs):
        self.calls += 1
        return []


class Actions:
    def __init__(self, reply: ActionReply | None) -> None:
        self.reply, self.seen = reply, []

    def respond(self, *, conversation, text, classification):
        self.seen.append((conversation, text, classification.intent))
        return self.reply


def test_an_action_reply_ends_the_turn_before_retrieval():
    retriever, actions = Retriever(), Actions(ActionReply(text="What is your reference?"))
    decision = Pipeline(classifier=Classifier(), retriever=retriever, responder=object(), actions=actions).decide(
        text="where is my card", history=[], conversation="conv-1")
    assert "".join(decision.chunks) == "What is your reference?" and decision.tier == "action"
    assert decision.handoff_reason is None and decision.model_versions == {"intent": 3}
    assert actions.seen == [("conv-1", "where is my card", "card_arrival")] and retriever.calls == 0


def test_an_action_hand_off_carries_its_reason_and_message():
    actions = Actions(ActionReply(handoff_reason=HandoffReason.ACTION_TIMEOUT, handoff_message="Passing you on."))
    decision = Pipeline(classifier=Classifier(), actions=actions).decide(text="x", history=[], conversation="c")
    assert decision.handoff_reason == HandoffReason.ACTION_TIMEOUT and decision.handoff_text == "Passing you on."


def test_without_a_conversation_or_a_human_request_the_step_is_not_asked():
    actions = Actions(ActionReply(text="never"))
    Pipeline(classifier=Classifier(), actions=actions).decide(text="x", history=[])
    decision = Pipeline(classifier=Classifier("human_agent"), actions=actions,
                        human_intents=frozenset({"human_agent"})).decide(text="a person please", history=[], conversation="c")
    assert decision.handoff_reason == HandoffReason.CUSTOMER_REQUEST and actions.seen == []


def test_no_action_for_the_message_goes_on_to_retrieval():
    retriever = Retriever()
    decision = Pipeline(classifier=Classifier(), retriever=retriever, responder=object(), actions=Actions(None)).decide(
        text="x", history=[], conversation="c")
    assert retriever.calls == 1 and decision.handoff_reason == HandoffReason.NOTHING_RELEVANT


def test_the_served_pipeline_gets_the_step_that_the_setting_names(settings):
    assert isinstance(bot_actions(), BotActions)
    settings.BOT_ACTIONS_PROVIDER = ""
    assert bot_actions() is None


@pytest.mark.django_db
def test_the_served_pipeline_carries_it():
    assert isinstance(pipeline_components().actions, BotActions)
