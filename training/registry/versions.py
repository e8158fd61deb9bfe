"""Model versions: the one door that registers them, activation (behind the artifact check and the
bias-audit gate), rollback, and which version of each kind is active."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from training.errors import ActivationRefused
from training.kinds import KindSpec, kind_find
from training.ml.common.errors import MLError
from training.models import BiasAudit, ModelVersion, TrainingRun
from training.registry.answer_gate import (
    answer_evaluation_on_new_version,
    answer_evaluation_queue,
    answer_gate_applies,
    answer_gate_check,
    answer_gate_state,
)
from training.registry.attempts import run_still_mine
from training.registry.gate import audit_on_new_version, audit_queue, gate_applies, gate_check, gate_state

logger = logging.getLogger(__name__)


def next_version_number(kind: str) -> int:
    return (ModelVersion.objects.filter(kind=kind).aggregate(n=Max("version"))["n"] or 0) + 1


def version_register(*, kind: str, artifact_path: str | Path, run: TrainingRun | None = None,
                     created_by: AbstractBaseUser | None = None, base_model: str = "", hyperparameters: dict[str, Any] | None = None,
                     data_hash: str = "", metrics: dict[str, Any] | None = None, format_version: int = 1) -> ModelVersion:
    """Number and store a new version. With ``run``, only while that attempt still owns the run; the
    version's automatic bias audit is queued in the same transaction (AUDIT_ON_NEW_VERSION)."""
    with transaction.atomic():
        if run is not None:
            run_still_mine(run)
            created_by = created_by or run.started_by
        version = ModelVersion.objects.create(
            kind=kind, version=next_version_number(kind), artifact_path=str(artifact_path), created_by=created_by,
            base_model=base_model, hyperparameters=hyperparameters or {}, data_hash=data_hash, metrics=metrics or {},
            format_version=format_version,
        )
        # The answer evaluation first: it decides which tier answers, and the audit then measures that tier.
        answer_evaluation_on_new_version(version=version)
        audit_on_new_version(version=version)
    return version


def _spec(version: ModelVersion) -> KindSpec:
    spec = kind_find(version.kind)
    if spec is None:
        raise ActivationRefused(f"Activating {version.kind} versions is not supported yet.")
    return spec


def artifact_check(version: ModelVersion) -> None:
    """Load the artifact and use it once; a stale, corrupt or missing one is refused before anything switches."""
    check = _spec(version).check
    try:
        check(version)
    except (MLError, OSError, ValueError) as exc:
        raise ActivationRefused(f"{version} cannot be served: {exc}. The active version is unchanged.") from None


@transaction.atomic
def version_activate(*, version: ModelVersion, user: AbstractBaseUser | None = None, override_reason: str = "") -> ModelVersion:
    """Make `version` the one every process serves (they switch on their next message, no restart).

    The bias-audit gate (registry/gate.py) runs first: without a passed audit, activation needs
    `override_reason` from a user allowed to override; the override is recorded in this
    transaction, so a later refusal (a corrupt artifact) leaves no override behind.
    """
    gate_check(version=version, user=user, override_reason=override_reason)
    answer_gate_check(version=version, user=user, override_reason=override_reason)
    artifact_check(version)
    ModelVersion.objects.select_for_update().filter(kind=version.kind, is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active, version.activated_at = True, timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    return version


def version_rollback(*, kind: str, user: AbstractBaseUser | None = None, override_reason: str = "") -> ModelVersion:
    """Re-activate the version that was active before the current one."""
    current = ModelVersion.objects.filter(kind=kind, is_active=True).first()
    previous = (
        ModelVersion.objects.filter(kind=kind, activated_at__isnull=False)
        .exclude(pk=getattr(current, "pk", None))
        .order_by("-activated_at")
        .first()
    )
    if previous is None:
        raise ActivationRefused("There is no earlier activated version to roll back to.")
    return version_activate(version=previous, user=user, override_reason=override_reason)


def activate_after_training(*, version: ModelVersion, user: AbstractBaseUser | None) -> None:
    """A run started with ``activate``: activate now if the gates allow, else once the audit (and the
    answer evaluation) passes: whichever finishes last activates it."""
    audit_ok = not gate_applies(version) or gate_state(version)[0] == "passed"
    answers_ok = not answer_gate_applies(version) or answer_gate_state(version)[0] == "passed"
    if audit_ok and answers_ok:
        version_activate(version=version, user=user)
        return
    if not answers_ok:
        _activate_after_evaluation(version=version, user=user)
    if audit_ok:
        return
    with transaction.atomic():
        pending = version.audits.select_for_update().filter(status__in=[BiasAudit.Status.QUEUED, BiasAudit.Status.RUNNING])
        audit = pending.order_by("-pk").first()
        if audit is None:
            audit = audit_queue(version=version, user=user, trigger="new_version", activate_on_pass=True)
        else:
            audit.activate_on_pass = True
            audit.save(update_fields=["activate_on_pass"])
    logger.info("%s will be activated once audit #%s passes", version, audit.pk)


def _activate_after_evaluation(*, version: ModelVersion, user: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        pending = version.answer_evaluations.select_for_update().filter(status__in=[BiasAudit.Status.QUEUED, BiasAudit.Status.RUNNING])
        evaluation = pending.order_by("-pk").first()
        if evaluation is None:
            answer_evaluation_queue(version=version, user=user, trigger="new_version", activate_on_pass=True)
        else:
            evaluation.activate_on_pass = True
            evaluation.save(update_fields=["activate_on_pass"])
    logger.info("%s will be activated once its answer evaluation passes", version)


def version_evaluation(version: ModelVersion) -> dict[str, Any] | None:
    """The version's stored evaluation report (JSON), when its kind keeps one."""
    spec = kind_find(version.kind)
    return spec.evaluation(version) if spec is not None and spec.evaluation is not None else None


def active_versions() -> dict[str, ModelVersion]:
    """The active model version of each kind that has one."""
    return {v.kind: v for v in ModelVersion.objects.filter(is_active=True)}
