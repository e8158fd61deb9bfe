"""prepare_demo: data, logins, index and intent model in the foreground; a second run changes nothing; bad data stores nothing."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from conversations.models import AgentReply, Intent, KnowledgeArticle, TrainingExample
from tests.training.conftest import TINY
from training.management.commands import prepare_demo
from training.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db

_TOPICS = {
    "card_arrival": ("When will my card arrive?", "New cards arrive within 3 to 5 working days. Track yours under Cards > Card status.",
                     ["where is my card", "card not arrived yet", "when does my new card come", "my card hasn't come",
                      "how long for card delivery", "still waiting for my card"]),
    "transfer_fee": ("Do you charge for transfers?", "UK transfers are free. International transfers cost 0.5% with a minimum of £2.",
                     ["do transfers cost anything", "fee for sending money", "is it free to send money",
                      "how much is an international transfer", "transfer charges", "what do you charge to send money abroad"]),
    "human_agent": ("How to contact us", "Our in-app chat is staffed 24/7 by the support team.",
                    ["talk to a person", "I want a human", "real agent please", "can I speak to someone",
                     "put me through to staff", "connect me with an agent"]),
}


def _company(folder, **broken: str):  # noqa: ANN001, ANN202
    intents = [{"name": n, "description": t, "examples": ex, "agent_replies": [body]} for n, (t, body, ex) in _TOPICS.items()]
    articles = [{"slug": n.replace("_", "-"), "title": t, "url": f"https://help.example/{n}", "intents": [n], "body": body}
                for n, (t, body, _) in _TOPICS.items()]
    files = {"intents.json": json.dumps(intents, indent=1), "articles.json": json.dumps(articles, indent=1),
             "out_of_scope.json": json.dumps(["tell me a joke", "weather tomorrow", "asdfgh", "best pizza in town"])}
    for name, text in {**files, **broken}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PII_ANONYMIZE = False
    settings.RETRIEVAL_REBUILD_ON_CHANGE = False
    return settings


def _prepare(folder, **options) -> str:  # noqa: ANN001
    out = StringIO()
    call_command("prepare_demo", "--data-dir", str(folder), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.mark.parametrize(("broken", "message"), [
    ({"intents.json": '[{"name": "card_arrival",\n  "examples": [}]'}, r"intents\.json, line 2, column 16: invalid JSON"),
    ({"articles.json": json.dumps([{"slug": "x", "title": "X", "url": "u", "intents": ["no_such_intent"], "body": "b"}])},
     r"articles\.json: unknown intent\(s\) x -> no_such_intent"),
    ({"intents.json": json.dumps([{"name": "a", "description": "d", "examples": [], "agent_replies": ["r"]}])},
     r"intents\.json: item 0 \(a\): 'examples' must be a non-empty list of strings"),
    ({"out_of_scope.json": "{}"}, r"out_of_scope\.json: expected a non-empty JSON list"),
])
def test_broken_demo_data_is_refused_naming_the_file_and_nothing_is_stored(demo_settings, tmp_path, broken, message):
    folder = _company(tmp_path, **broken)
    with pytest.raises(CommandError, match=message):
        _prepare(folder)
    assert not Intent.objects.exists() and not KnowledgeArticle.objects.exists() and not TrainingRun.objects.exists()
    assert not get_user_model().objects.filter(username="staff").exists()


def test_a_missing_demo_folder_is_refused(demo_settings, tmp_path):
    with pytest.raises(CommandError, match=r"no-such-folder/intents\.json: file not found"):
        _prepare(tmp_path / "no-such-folder")


@pytest.mark.slow
def test_prepare_demo_makes_the_bot_ready_and_a_second_run_changes_nothing(demo_settings, tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_demo, "DEMO_INTENT_PARAMETERS", {"activate": True, **TINY})
    folder = _company(tmp_path)
    started = time.perf_counter()
    first = _prepare(folder)
    first_seconds = time.perf_counter() - started
    active = {v.kind: v.pk for v in ModelVersion.objects.filter(is_active=True)}
    assert set(active) == {"intent", "retrieval_index"}, first
    assert "is trained and active" in first and "demo is ready" in first
    assert get_user_model().objects.filter(username="staff", is_staff=True).exists()
    counts = (Intent.objects.count(), TrainingExample.objects.count(), AgentReply.objects.count(), KnowledgeArticle.objects.count())

    started = time.perf_counter()
    second = _prepare(folder)
    assert time.perf_counter() - started < first_seconds
    assert {v.kind: v.pk for v in ModelVersion.objects.filter(is_active=True)} == active
    assert ModelVersion.objects.count() == 2
    assert "index v1 is up to date" in second and "intent model v1 is already active" in second
    assert (Intent.objects.count(), TrainingExample.objects.count(), AgentReply.objects.count(),
            KnowledgeArticle.objects.count()) == counts
