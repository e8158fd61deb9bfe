"""An answer evaluation's body (the Celery task's): both tiers on the dev split, the conversation tests,
then the gate's verdict (training/registry/answer_gate.py). A failure marks the evaluation failed;
serving is untouched."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings

from conversations.errors import ChatError
from training.evaluation.evaluate import EvaluationRefused, bot_evaluate, evaluation_pipeline
from training.evaluation.heldout import items_checked
from training.evaluation.reportfile import report_write
from training.evaluation.stories import stories_run, stories_summary
from training.ml.evaluation.stories import stories_load
from training.models import AnswerEvaluation
from training.registry.answer_gate import answer_evaluation_finish, answer_verdict
from training.registry.attempts import attempt_claim, attempt_fail
from training.registry.versions import version_activate

logger = logging.getLogger(__name__)

EVALUATION_DIR = "answer-evaluations"


def evaluation_folder(evaluation: AnswerEvaluation) -> Path:
    return Path(settings.MODEL_DIR) / EVALUATION_DIR / f"evaluation-{evaluation.pk}"


def report_file(evaluation: AnswerEvaluation, tier: str) -> Path:
    return Path(evaluation.report_path or evaluation_folder(evaluation)) / f"{tier}.json"


def _measure(evaluation: AnswerEvaluation, folder: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    version = evaluation.model_version
    items = items_checked(settings.ANSWER_EVAL_DEV_DATA)
    reports: dict[str, Any] = {"extractive": bot_evaluate(data=items, tier="extractive")}
    try:
        reports["generative"] = bot_evaluate(data=items, responder_version=version.version, tier="generative")
    except EvaluationRefused as exc:
        logger.warning("generative tier of %s not evaluated: %s", version, exc)
        reports["generative"] = None
    shutil.rmtree(folder, ignore_errors=True)
    for tier, report in reports.items():
        if report is not None:
            report_write(report, folder / f"{tier}.json")
    stories = None
    suite = settings.ANSWER_GATE_STORIES
    if suite and Path(suite).exists():
        provisional = answer_verdict(extractive=reports["extractive"], generative=reports["generative"], stories=None,
                                     floors=dict(settings.ANSWER_GATE_FLOORS), margin=float(settings.ANSWER_GATE_MARGIN))
        tier = provisional["serving_tier"]
        pipeline = evaluation_pipeline(responder_version=version.version if tier == "generative" else None, tier=tier)
        stories = {"suite": str(suite), "tier": tier, **stories_summary(stories_run(stories_load(suite), pipeline))}
    return reports, stories


def answer_evaluation_execute(*, evaluation_id: int) -> AnswerEvaluation | None:
    evaluation = attempt_claim(AnswerEvaluation, evaluation_id, related=("model_version",),
                               gave_up="The evaluation could not run: gave up after {attempts} attempts (the worker was lost each time).")
    if evaluation is None:
        return None
    folder = evaluation_folder(evaluation)
    try:
        reports, stories = _measure(evaluation, folder)
    except Exception as exc:
        logger.exception("answer evaluation #%s could not run", evaluation.pk)
        message = exc.message if isinstance(exc, ChatError) else f"{type(exc).__name__}: {exc}"
        attempt_fail(evaluation, f"The evaluation could not run: {message}", folder=folder)
        return AnswerEvaluation.objects.get(pk=evaluation.pk)
    evaluation = answer_evaluation_finish(evaluation_id=evaluation.pk, reports=reports, stories=stories, folder=folder)
    if evaluation.activate_on_pass:
        _activate(evaluation)
    return evaluation


def _activate(evaluation: AnswerEvaluation) -> None:
    version = evaluation.model_version
    if not evaluation.passed:
        note = f"The training run asked to activate {version}; it stays inactive because this evaluation did not pass."
    else:
        try:
            version_activate(version=version, user=version.created_by)
            note = f"{version} was activated after this evaluation passed, as its training run asked."
        except ChatError as exc:
            note = f"The training run asked to activate {version}; activation was refused: {exc.message}"
    evaluation.summary = {**evaluation.summary, "activation": note}
    evaluation.save(update_fields=["summary"])
