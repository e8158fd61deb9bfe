"""The copilot on the real served path: the demo data, a small real intent model (the session's, trained on
the demo's intents) and the index built by its training run, both activated through the registry, PII on. A customer's message with personal data is
stored anonymized, the hand-off summary lists the value as a placeholder, and the draft comes from the
bot's own extractive tier: cited, grounded in the gold article, with no personal value in it."""

from __future__ import annotations

import re
import shutil

import pytest

from conversations import selectors, services
from conversations.demo import demo_data_load
from conversations.models import Conversation, DraftSuggestion, KnowledgeArticle, Message
from tests.ml.conftest import dataset, trained  # noqa: F401 - the session's small real intent model
from training.insights.report import report_period, unanswered_report
from training.models import ModelVersion
from training.registry import versions as registry
from training.registry.runs import StartTraining, run_execute
from training.serving.slots import slots_reset

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EMAIL = "sarah.jones@example.com"
GOLD = "When will my card arrive?"


def _train(kind: str, parameters: dict) -> ModelVersion:
    run = StartTraining(user=None, kind=kind, parameters=parameters).execute(enqueue=False)
    version = run_execute(run_id=run.pk)
    assert version is not None, f"the {kind} run failed"
    registry.version_activate(version=version, user=None)
    return version


@pytest.fixture
def served(settings, tmp_path, trained):  # noqa: F811
    settings.MODEL_DIR = tmp_path
    settings.CHAT_PIPELINE_PROVIDER = "training.serving.pipeline.pipeline_components"
    settings.CHAT_DRAFT_PIPELINE_PROVIDER = "training.serving.pipeline.draft_pipeline_components"
    settings.PII_ANONYMIZE = True
    settings.RETRIEVAL_REBUILD_ON_CHANGE = False
    settings.AUDIT_GATE_ENABLED = False
    demo_data_load()
    shutil.copytree(trained.path, tmp_path / "intent")
    intent = ModelVersion.objects.create(kind="intent", version=1, artifact_path=str(tmp_path / "intent"))
    registry.version_activate(version=intent, user=None)
    versions = (intent, _train("retrieval_index", {"index_examples": False}))
    slots_reset()
    yield versions
    slots_reset()


def test_a_draft_on_the_served_path_is_grounded_cited_and_anonymized(served, agent):
    intent, index = served
    conversation = services.conversation_create()
    services.customer_message_receive(conversation=conversation, text=f"Hi, I want to talk to a human agent please. My email is {EMAIL}")
    services.conversation_request_human(conversation=conversation)
    services.conversation_assign(conversation=conversation, agent=agent)
    services.customer_message_receive(conversation=conversation, text="I ordered a new card last week. When will my card arrive?")
    stored = " ".join(conversation.messages.values_list("text", flat=True))
    assert EMAIL not in stored and "<EMAIL_1>" in stored

    summary = selectors.handoff_summary(conversation, viewer=agent)
    assert [(p.entity_type, p.placeholder) for p in summary.provided] == [("EMAIL_ADDRESS", "<EMAIL_1>")] or \
        [p.placeholder for p in summary.provided] == ["<EMAIL_1>"]
    assert all(sentence in stored for sentence in summary.wants) and EMAIL not in str(summary.as_json())

    tokens: list[str] = []
    result = services.draft_create(conversation=conversation, agent=agent, on_token=tokens.append)
    draft = result.draft
    assert draft is not None, result.message
    assert "".join(tokens) == draft.text and EMAIL not in draft.text
    assert draft.answer_tier == "extractive" and draft.model_versions == {"intent": intent.version, "retrieval_index": index.version}
    assert GOLD in {s["title"] for s in draft.sources}, (draft.text, draft.sources)
    # Extractive: every sentence (its [n] aside) is the cited article's own text.
    bodies = " ".join(" ".join(b.split()) for b in KnowledgeArticle.objects.filter(pk__in=[s["id"] for s in draft.sources])
                      .values_list("body", flat=True))
    for sentence in re.split(r"(?<=[.!?])\s+|\s*\[\d+\]\s*", draft.text):
        if sentence.strip(" .[]0123456789"):
            assert " ".join(sentence.split()).rstrip(". ") in bodies, sentence

    services.agent_message_post(conversation=conversation, agent=agent, text=draft.text, draft=draft.pk)
    assert DraftSuggestion.objects.get(pk=draft.pk).outcome == DraftSuggestion.Outcome.SENT_UNCHANGED

    # The content-gaps report over the served index: its encoder clusters, its search names the nearest article.
    for text in ("Do you offer pet insurance?", "Can I insure my dog with you?"):
        gap = Conversation.objects.create(status=Conversation.Status.WAITING_FOR_AGENT, handoff_reason="nothing_relevant")
        asked = Message.objects.create(conversation=gap, role="customer", text=text)
        Message.objects.create(conversation=gap, role="system", text="Passing you on.", reply_to=asked, handoff_reason="nothing_relevant")
    report = unanswered_report(period=report_period())
    assert report.index_version == index.version and report.questions >= 2
    pets = next(c for c in report.clusters if any("insur" in q.text for q in c.examples))
    assert pets.size == 2 and pets.nearest is not None and pets.nearest.title in set(KnowledgeArticle.objects.values_list("title", flat=True))
    assert 0.0 <= pets.nearest.score < 1.0

