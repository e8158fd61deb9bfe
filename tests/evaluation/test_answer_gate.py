"""The answer-quality gate: which tier answers, the floors, the stored evaluation and the recorded override."""

from __future__ import annotations

import dataclasses
import json

import pytest
from django.contrib.auth.models import Permission

from tests.conversations.fakes import ChunkResponder
from tests.evaluation.conftest import item, write_items
from tests.factories import UserFactory
from training.errors import ActivationRefused
from training.evaluation import evaluate as evaluate_module
from training.evaluation.job import answer_evaluation_execute, report_file
from training.models import ActivationOverride, AnswerEvaluation, ModelVersion
from training.registry.answer_gate import answer_evaluation_queue, answer_gate_check, answer_verdict
from training.registry.versions import version_activate

FLOORS = {"answer_accuracy": 0.8, "unsupported_sentence_rate": 0.02, "handoff_recall": 0.9}


def _report(acc: float, unsupported: float = 0.0, handoff: float = 1.0) -> dict:
    return {"answer_accuracy": acc, "unsupported_sentence_rate": unsupported, "handoff_recall": handoff}


def test_the_generative_tier_answers_only_when_it_wins_by_the_margin_within_the_floor():
    win = answer_verdict(extractive=_report(0.82), generative=_report(0.85), stories=None, floors=FLOORS, margin=0.02)
    assert win["serves_answers"] and win["serving_tier"] == "generative" and win["passed"]
    close = answer_verdict(extractive=_report(0.84), generative=_report(0.85), stories=None, floors=FLOORS, margin=0.02)
    assert not close["serves_answers"] and close["serving_tier"] == "extractive" and close["passed"]
    invents = answer_verdict(extractive=_report(0.82), generative=_report(0.95, unsupported=0.05), stories=None, floors=FLOORS,
                             margin=0.02)
    assert not invents["serves_answers"]
    low = answer_verdict(extractive=_report(0.6), generative=None, stories=None, floors=FLOORS, margin=0.02)
    assert not low["passed"] and "extractive answer_accuracy 0.6000 is below the floor 0.8" in low["misses"]
    stories = answer_verdict(extractive=_report(0.9), generative=None, stories={"failed": 1, "turns": 5}, floors=FLOORS, margin=0.02)
    assert not stories["passed"] and stories["misses"] == ["1 of 5 conversation-test turns failed"]


@pytest.fixture
def responder_v1(db):
    return ModelVersion.objects.create(kind="responder", version=1, artifact_path="/nonexistent")


@pytest.fixture
def gate_setup(tmp_path, settings, fake_served, monkeypatch):
    """Dev split of two card questions and a hand-off; the extractive fake misses a fact, the generative one does not."""
    settings.PII_ANONYMIZE = False
    settings.MODEL_DIR = tmp_path / "models"
    settings.ANSWER_EVAL_DEV_DATA = write_items(tmp_path / "dev.jsonl", [
        item(), item(id="q2", question="Is there a faster card option?", facts=["£15"]),
        item(id="h1", question="Tell me a joke", kind="handoff", article=None, facts=[])])
    stories = tmp_path / "stories.yml"
    stories.write_text("stories:\n  - story: card\n    turns:\n      - user: when will my card come\n        handed_off: false\n")
    settings.ANSWER_GATE_STORIES = str(stories)
    generative = ChunkResponder(["Cards usually arrive within 3 to 5 working days [1]. ",
                                 "Express delivery is available for £15 [1]."])
    generative.tier = "generative"
    express = fake_served.retriever.by_intent["card_arrival"][0]
    passage = express.passage + " Express delivery is available for £15 and usually arrives within 3 working days."
    fake_served.retriever.by_intent["card_arrival"] = [dataclasses.replace(express, passage=passage)]
    tiers = {"extractive": fake_served, "generative": dataclasses.replace(fake_served, responder=generative)}
    monkeypatch.setattr(evaluate_module, "pipeline_for", lambda *, responder_version=None, tier=None: tiers[tier])
    return tiers


def test_an_evaluation_stores_both_reports_and_is_the_one_writer_of_serves_answers(gate_setup, responder_v1, settings):
    settings.ANSWER_GATE_FLOORS = {**FLOORS, "answer_accuracy": 0.9}
    evaluation = answer_evaluation_queue(version=responder_v1, enqueue=False)
    evaluation = answer_evaluation_execute(evaluation_id=evaluation.pk)
    assert evaluation.status == AnswerEvaluation.Status.SUCCEEDED, evaluation.error
    summary = evaluation.summary
    assert summary["tiers"]["extractive"]["answer_accuracy"] == 0.5
    assert summary["tiers"]["generative"]["answer_accuracy"] == 1.0
    assert summary["serving_tier"] == "generative" and evaluation.serves_answers and evaluation.passed
    assert summary["stories"]["turns"] == 1 and summary["stories"]["failed"] == 0
    responder_v1.refresh_from_db()
    assert responder_v1.metrics["serves_answers"] is True
    assert json.loads(report_file(evaluation, "generative").read_text())["n"] == 3


def test_a_failed_evaluation_refuses_activation_until_a_permitted_override_is_recorded(gate_setup, responder_v1, settings):
    settings.ANSWER_GATE_ENABLED = True
    settings.ANSWER_GATE_FLOORS = {**FLOORS, "handoff_recall": 1.01}
    evaluation = answer_evaluation_execute(evaluation_id=answer_evaluation_queue(version=responder_v1, enqueue=False).pk)
    assert evaluation.passed is False
    with pytest.raises(ActivationRefused, match="failed its answer evaluation"):
        version_activate(version=responder_v1)
    clerk = UserFactory(username="clerk")
    with pytest.raises(ActivationRefused, match="override_answer_gate"):
        answer_gate_check(version=responder_v1, user=clerk, override_reason="ship it")
    boss = UserFactory(username="boss")
    boss.user_permissions.add(Permission.objects.get(codename="override_answer_gate"))
    boss = type(boss).objects.get(pk=boss.pk)
    override = answer_gate_check(version=responder_v1, user=boss, override_reason="demo day, reviewed by hand")
    assert override.gate == ActivationOverride.Gate.ANSWERS and override.answer_evaluation == evaluation
    assert answer_gate_check(version=responder_v1, user=None) is None  # the recorded override covers a re-activation


def test_an_unevaluated_version_is_refused_and_an_evaluation_that_cannot_run_is_recorded(responder_v1, settings, demo_bank):
    settings.ANSWER_GATE_ENABLED = True
    with pytest.raises(ActivationRefused, match="has no answer evaluation"):
        answer_gate_check(version=responder_v1, user=None)
    evaluation = answer_evaluation_execute(evaluation_id=answer_evaluation_queue(version=responder_v1, enqueue=False).pk)
    assert evaluation.status == AnswerEvaluation.Status.FAILED and "Nothing to evaluate" in evaluation.error
    with pytest.raises(ActivationRefused, match="could not run"):
        answer_gate_check(version=responder_v1, user=None)


def test_admin_shows_the_evaluation_per_version_and_serves_its_reports(gate_setup, responder_v1, superuser_web):
    admin_client = superuser_web
    evaluation = answer_evaluation_execute(evaluation_id=answer_evaluation_queue(version=responder_v1, enqueue=False).pk)
    listing = admin_client.get("/admin/training/modelversion/").content.decode()
    assert f"/admin/training/answerevaluation/{evaluation.pk}/change/" in listing
    page = admin_client.get(f"/admin/training/answerevaluation/{evaluation.pk}/change/").content.decode()
    assert "answer_accuracy" in page and "extractive.json" in page
    response = admin_client.get(f"/admin/training/answerevaluation/{evaluation.pk}/download/extractive/")
    assert response.status_code == 200 and json.loads(b"".join(response.streaming_content))["n"] == 3
    assert admin_client.get(f"/admin/training/answerevaluation/{evaluation.pk}/download/other/").status_code == 404
