"""evaluate_bot over the served path: its report, what it keeps (nothing) and its answers to bad input."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import CommandError, call_command

from conversations.models import Conversation, Message, PiiVaultEntry
from tests.evaluation.conftest import CARD_TITLE, item, write_items
from training.evaluation import evaluate as evaluate_module
from training.evaluation.evaluate import bot_evaluate
from training.ml.evaluation.report import REPORT_KEYS

pytestmark = pytest.mark.django_db


def _rows():
    return [
        item(),
        item(id="q2", question="And how long if the card goes abroad?", history=["I ordered a card yesterday."],
             facts=["10 working days"]),
        item(id="h1", question="What's the weather in Leeds?", kind="handoff", article=None, facts=[]),
        item(id="p1", question="Can a person help me?", kind="human", article=None, facts=[]),
    ]


def test_report_has_exactly_the_issue_keys_and_scores_each_kind(tmp_path, fake_served, settings):
    settings.PII_ANONYMIZE = False
    report = bot_evaluate(data=write_items(tmp_path / "eval.jsonl", _rows()), pipeline=fake_served)
    assert tuple(report) == REPORT_KEYS
    assert report["n"] == 4
    by_id = {i["id"]: i for i in report["items"]}
    assert by_id["q1"]["correct"] and by_id["q1"]["cites_gold"] and by_id["q1"]["tier"] == "extractive"
    # The reply cites the gold article but lacks the follow-up's fact: cited, not correct.
    assert by_id["q2"]["cites_gold"] and not by_id["q2"]["correct"] and by_id["q2"]["missing_facts"] == ["10 working days"]
    assert report["answer_accuracy"] == 0.5 and report["citation_accuracy"] == 1.0
    assert report["handoff_recall"] == 1.0 and report["human_recall"] == 1.0 and report["false_handoff_rate"] == 0.0
    assert by_id["p1"]["handoff_reason"] == "customer_request" and by_id["h1"]["handoff_reason"] == "out_of_scope"
    assert report["unsupported_sentence_rate"] == 0.0
    assert report["ttft_ms_p50"] is not None and report["ttft_ms_p95"] >= report["ttft_ms_p50"]
    assert by_id["q1"]["sources"] == [{"n": 1, "title": CARD_TITLE, "score": 0.9, "cited": True}]
    # The follow-up's earlier message reached the pipeline as history.
    assert [t.text for t in fake_served.retriever.calls[2]["history"]] == ["I ordered a card yesterday."]  # [0] is the warm-up
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_unsupported_sentences_are_counted(tmp_path, fake_served, settings):
    settings.PII_ANONYMIZE = False
    fake_served.responder.chunks = ["Cards usually arrive within 3 to 5 working days [1]. ", "Express delivery is free [1]."]
    report = bot_evaluate(data=write_items(tmp_path / "eval.jsonl", [item()]), pipeline=fake_served)
    assert report["unsupported_sentence_rate"] == 0.5
    assert [s["supported"] for s in report["items"][0]["sentences"]] == [True, False]


def test_the_question_goes_through_the_privacy_ingress_and_nothing_is_kept(tmp_path, fake_served, settings):
    settings.PII_ANONYMIZE = True
    rows = [item(question="My card has not come, I'm jane.doe@example.org", history=["Call me on 07700 900123 about my card"])]
    bot_evaluate(data=write_items(tmp_path / "eval.jsonl", rows), pipeline=fake_served)
    seen = fake_served.classifier.seen[-1]
    assert "jane.doe@example.org" not in seen and "<EMAIL" in seen
    assert "07700 900123" not in fake_served.retriever.calls[-1]["history"][0].text
    assert not Conversation.objects.exists() and not PiiVaultEntry.objects.exists()


def test_the_command_writes_the_report(tmp_path, fake_served, monkeypatch, settings):
    settings.PII_ANONYMIZE = False
    monkeypatch.setattr(evaluate_module, "pipeline_for", lambda **kwargs: fake_served)
    out = tmp_path / "out" / "report.json"
    call_command("evaluate_bot", "--data", write_items(tmp_path / "eval.jsonl", _rows()), "--report", str(out))
    assert tuple(json.loads(out.read_text())) == REPORT_KEYS


@pytest.mark.parametrize(("content", "message"), [
    ("", "has no evaluation items"),
    ('{"id": "a", "question": "hi", "kind": "answer", "article": "When will my card arrive?", "facts": ["x"]}\n{not json\n',
     "line 2: not valid JSON"),
    ('{"id": "a", "question": "hi", "kind": "maybe"}\n', "line 1: kind must be one of"),
    ('{"id": "a", "question": "hi", "kind": "answer", "article": "No such article", "facts": ["x"]}\n',
     "line 1: unknown article title 'No such article'"),
    ('{"id": "a", "question": "hi", "kind": "handoff"}\n{"id": "a", "question": "yo", "kind": "handoff"}\n',
     "line 2: id 'a' already used on line 1"),
])
def test_bad_files_are_refused_with_the_line_and_nothing_is_written(tmp_path, demo_bank, content, message):
    data = tmp_path / "eval.jsonl"
    data.write_text(content, encoding="utf-8")
    out = tmp_path / "report.json"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("evaluate_bot", "--data", str(data), "--report", str(out))
    assert not out.exists() and not Conversation.objects.exists()


def test_a_missing_file_unknown_version_or_nothing_served_is_refused(tmp_path, demo_bank):
    out = tmp_path / "report.json"
    data = write_items(tmp_path / "eval.jsonl", [item()])
    with pytest.raises(CommandError, match="does not exist"):
        call_command("evaluate_bot", "--data", str(tmp_path / "nope.jsonl"), "--report", str(out))
    with pytest.raises(CommandError, match="There is no responder v42"):
        call_command("evaluate_bot", "--data", data, "--report", str(out), "--responder-version", "42", "--tier", "generative")
    with pytest.raises(CommandError, match="Nothing to evaluate"):
        call_command("evaluate_bot", "--data", data, "--report", str(out), "--tier", "extractive")
    assert not out.exists()
