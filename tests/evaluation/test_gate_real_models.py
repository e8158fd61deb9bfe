"""The answer gate on real models (slow): a small intent model, the index and a one-step responder, trained and
registered through the registry; the evaluation runs both tiers over part of the dev split and the demo suite,
writes ``serves_answers`` and decides activation."""

from __future__ import annotations

import json

import pytest

from conversations.demo import demo_data_load
from tests.evaluation.conftest import write_items
from tests.live.test_served_answers import TINY_RESPONDER, _train
from tests.training.conftest import TINY as TINY_INTENT
from training.errors import ActivationRefused
from training.evaluation.heldout import DEV_SPLIT
from training.evaluation.job import answer_evaluation_execute, report_file
from training.models import AnswerEvaluation, ModelVersion
from training.registry.answer_gate import answer_evaluation_queue
from training.registry.runs import StartTraining, run_execute
from training.registry.versions import version_activate
from training.serving.slots import slots_reset

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_real_responder_version_is_evaluated_and_gated(settings, tmp_path, responder_base_dir):
    settings.MODEL_DIR = tmp_path
    responder_base_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "base").symlink_to(responder_base_dir, target_is_directory=True)
    settings.PII_ANONYMIZE = True
    settings.RETRIEVAL_REBUILD_ON_CHANGE = False
    settings.RESPONDER_BACKEND = "llamacpp"
    settings.RESPONDER_MAX_NEW_TOKENS = 48
    rows = [json.loads(line) for line in DEV_SPLIT.read_text(encoding="utf-8").splitlines()]
    sample = [r for r in rows if r["kind"] == "answer"][:4] + [r for r in rows if r["kind"] != "answer"][:2]
    settings.ANSWER_EVAL_DEV_DATA = write_items(tmp_path / "dev.jsonl", sample)
    demo_data_load()
    _train("intent", {**TINY_INTENT, "epochs": 4})
    _train("retrieval_index", {"index_examples": False})
    run = StartTraining(user=None, kind="responder", parameters=TINY_RESPONDER).execute(enqueue=False)
    responder = run_execute(run_id=run.pk)
    slots_reset()
    try:
        evaluation = answer_evaluation_execute(evaluation_id=answer_evaluation_queue(version=responder, enqueue=False).pk)
        assert evaluation.status == AnswerEvaluation.Status.SUCCEEDED, evaluation.error
        tiers = evaluation.summary["tiers"]
        assert tiers["extractive"]["n"] == 6 and tiers["generative"]["n"] == 6
        assert evaluation.summary["stories"]["turns"] >= 5
        assert json.loads(report_file(evaluation, "generative").read_text())["items"][0]["tier"] in ("generative", "extractive", "")
        responder = ModelVersion.objects.get(pk=responder.pk)
        assert responder.metrics["serves_answers"] is evaluation.serves_answers
        settings.ANSWER_GATE_ENABLED = True
        if evaluation.passed:
            version_activate(version=responder)
        else:
            with pytest.raises(ActivationRefused, match="failed its answer evaluation"):
                version_activate(version=responder)
    finally:
        slots_reset()
