"""The answer-quality gate: a responder version serves only after its dev-split evaluation passed.

For each new responder version a training worker runs evaluate_bot on the dev split twice, the
extractive tier (the active index alone) and the version's generative tier, plus the conversation
tests (training/evaluation/job.py). This module stores the result and decides from it:

- ``serves_answers`` (written only here, into ModelVersion.metrics): the generative tier answers when
  its answer_accuracy is at least ANSWER_GATE_MARGIN above the extractive tier's and its unsupported
  sentence rate is within the floor; otherwise the extractive tier answers and the version is kept
  for drafting and evaluation (training/serving/pipeline.py reads the key).
- passed: the tier that will answer meets every floor (ANSWER_GATE_FLOORS) and the conversation tests pass.

Activating a version whose evaluation did not pass (failed, running, could not run, missing) is
refused unless someone holding ``training.override_answer_gate`` gives a reason; the override is
recorded (ActivationOverride, gate "answers") and covers re-activating against the same evaluation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from training.errors import ActivationRefused
from training.kinds import kind_for_role
from training.models import ActivationOverride, AnswerEvaluation, ModelVersion
from training.registry import dispatch
from training.registry.gate import override_or_refuse

EVALUATION_TASK = "training.tasks.evaluate_answers"
OVERRIDE_PERMISSION = "training.override_answer_gate"
SERVES_ANSWERS = "serves_answers"
# Lower is better for these; every other floor is a minimum.
CEILINGS = frozenset({"unsupported_sentence_rate", "false_handoff_rate", "ttft_ms_p50", "ttft_ms_p95"})
Status = AnswerEvaluation.Status
_HOW_TO_OVERRIDE = "Activating it anyway needs an override reason from someone with the 'override_answer_gate' permission."


def answers_kind(kind: str) -> bool:
    spec = kind_for_role("responder")
    return spec is not None and spec.name == kind


def answer_gate_applies(version: ModelVersion) -> bool:
    return bool(settings.ANSWER_GATE_ENABLED) and answers_kind(version.kind)


def answer_evaluation_queue(*, version: ModelVersion, user: AbstractBaseUser | None = None, trigger: str = "manual",
                            enqueue: bool = True, activate_on_pass: bool = False) -> AnswerEvaluation:
    """A queued evaluation; with enqueue a training worker runs it once this transaction commits."""
    if not answers_kind(version.kind):
        raise ActivationRefused(f"{version} is not a responder version: only responder versions have an answer evaluation.")
    evaluation = AnswerEvaluation.objects.create(model_version=version, requested_by=user, trigger=trigger,
                                                 split=str(settings.ANSWER_EVAL_DEV_DATA), activate_on_pass=activate_on_pass)
    if enqueue:
        transaction.on_commit(lambda: dispatch.task_send(EVALUATION_TASK, evaluation.pk))
    return evaluation


def answer_evaluation_on_new_version(*, version: ModelVersion) -> AnswerEvaluation | None:
    if not settings.ANSWER_EVAL_ON_NEW_VERSION or not answers_kind(version.kind):
        return None
    return answer_evaluation_queue(version=version, user=version.created_by, trigger="new_version")


def _misses(report: dict[str, Any], floors: dict[str, float], tier: str) -> list[str]:
    misses = []
    for key, floor in floors.items():
        value = report.get(key)
        if value is None:
            misses.append(f"{tier} {key} was not measured")
        elif (value > floor) if key in CEILINGS else (value < floor):
            misses.append(f"{tier} {key} {value:.4f} is {'above' if key in CEILINGS else 'below'} the floor {floor}")
    return misses


def answer_verdict(*, extractive: dict[str, Any], generative: dict[str, Any] | None, stories: dict[str, Any] | None,
                   floors: dict[str, float], margin: float) -> dict[str, Any]:
    """Which tier answers and whether it may serve, from the two dev-split reports and the stories."""
    ext_acc, gen_acc = extractive.get("answer_accuracy") or 0.0, (generative or {}).get("answer_accuracy")
    gen_unsupported = (generative or {}).get("unsupported_sentence_rate")
    ceiling = floors.get("unsupported_sentence_rate", 1.0)
    serves = (gen_acc is not None and gen_acc >= ext_acc + margin - 1e-9
              and gen_unsupported is not None and gen_unsupported <= ceiling)
    if generative is None:
        why = "the generative tier could not be evaluated"
    elif serves:
        why = f"the generative tier's answer_accuracy {gen_acc:.4f} beats the extractive tier's {ext_acc:.4f} by at least {margin}"
    else:
        why = (f"the generative tier (answer_accuracy {gen_acc or 0:.4f}, unsupported {gen_unsupported}) does not beat the "
               f"extractive tier ({ext_acc:.4f}) by {margin} within the unsupported floor {ceiling}")
    tier = "generative" if serves else "extractive"
    misses = _misses(generative if serves else extractive, floors, tier)
    if stories is not None and stories.get("failed"):
        misses.append(f"{stories['failed']} of {stories['turns']} conversation-test turns failed")
    return {"serves_answers": serves, "serving_tier": tier, "why_tier": why, "passed": not misses, "misses": misses}


def _figures(report: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if report is None else {k: v for k, v in report.items() if k != "items"}


@transaction.atomic
def answer_evaluation_finish(*, evaluation_id: int, reports: dict[str, dict[str, Any] | None], stories: dict[str, Any] | None,
                             folder: Path) -> AnswerEvaluation:
    """Store the evaluation's outcome and the version's ``serves_answers`` (the one writer of that key)."""
    evaluation = AnswerEvaluation.objects.select_for_update().select_related("model_version").get(pk=evaluation_id)
    floors, margin = dict(settings.ANSWER_GATE_FLOORS), float(settings.ANSWER_GATE_MARGIN)
    verdict = answer_verdict(extractive=reports["extractive"] or {}, generative=reports.get("generative"), stories=stories,
                             floors=floors, margin=margin)
    evaluation.summary = {"floors": floors, "margin": margin, **verdict,
                          "tiers": {tier: _figures(report) for tier, report in reports.items()}, "stories": stories}
    evaluation.passed, evaluation.serves_answers = verdict["passed"], verdict["serves_answers"]
    evaluation.status, evaluation.finished_at, evaluation.report_path = Status.SUCCEEDED, timezone.now(), str(folder)
    evaluation.save(update_fields=["summary", "passed", "serves_answers", "status", "finished_at", "report_path"])
    version = ModelVersion.objects.select_for_update().get(pk=evaluation.model_version_id)
    version.metrics = {**(version.metrics or {}), SERVES_ANSWERS: verdict["serves_answers"],
                       "answer_evaluation": {"id": evaluation.pk, "passed": verdict["passed"], "serving_tier": verdict["serving_tier"]}}
    version.save(update_fields=["metrics"])
    evaluation.model_version = version
    return evaluation


def answer_gate_state(version: ModelVersion) -> tuple[str, AnswerEvaluation | None]:
    finished = version.answer_evaluations.filter(status=Status.SUCCEEDED).order_by("-finished_at", "-pk").first()
    if finished is not None:
        return ("passed" if finished.passed else "failed"), finished
    if version.answer_evaluations.filter(status__in=[Status.QUEUED, Status.RUNNING]).exists():
        return "running", None
    errored = version.answer_evaluations.filter(status=Status.FAILED).order_by("-pk").first()
    if errored is not None:
        return "evaluation_error", errored
    return "missing", None


def answer_gate_message(version: ModelVersion, state: str, evaluation: AnswerEvaluation | None) -> str:
    if state == "failed":
        misses = "; ".join((evaluation.summary or {}).get("misses", [])) or "below its floors"
        return f"{version} failed its answer evaluation (#{evaluation.pk}): {misses}. {_HOW_TO_OVERRIDE}"
    if state == "running":
        return f"The answer evaluation of {version} has not finished yet. {_HOW_TO_OVERRIDE}"
    if state == "evaluation_error":
        return f"The answer evaluation of {version} could not run ({evaluation.error}). Request a new one. {_HOW_TO_OVERRIDE}"
    return f"{version} has no answer evaluation. Request one. {_HOW_TO_OVERRIDE}"


def answer_gate_check(*, version: ModelVersion, user: AbstractBaseUser | None, override_reason: str = "") -> ActivationOverride | None:
    """Refuse activation unless the evaluation passed; with a permitted override reason, record it and allow."""
    if not answer_gate_applies(version):
        return None
    state, evaluation = answer_gate_state(version)
    if state == "passed":
        return None
    return override_or_refuse(version=version, user=user, override_reason=override_reason, state=state,
                              evidence={"gate": ActivationOverride.Gate.ANSWERS, "answer_evaluation": evaluation},
                              permission=OVERRIDE_PERMISSION, gate_name="answer-quality",
                              refusal=answer_gate_message(version, state, evaluation))
