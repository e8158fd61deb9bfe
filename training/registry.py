"""Model versions: numbering, artifact checks, activation and rollback."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from training.errors import ActivationRefused
from training.models import ModelKind, ModelVersion


def next_version_number(kind: str) -> int:
    return (ModelVersion.objects.filter(kind=kind).aggregate(n=Max("version"))["n"] or 0) + 1


def artifact_check(version: ModelVersion) -> None:
    """Load the artifact and use it once (per kind: training.artifact_checks); a stale or corrupt one is refused."""
    from training.artifact_checks import artifact_check as check

    check(version)


@transaction.atomic
def version_activate(*, version: ModelVersion, user: AbstractBaseUser | None = None, override_reason: str = "") -> ModelVersion:
    """Make `version` the one every process serves (they switch on their next message, no restart).

    The bias-audit gate (training/audit_gate.py) runs first: without a passed audit, activation
    needs `override_reason` from a user allowed to override; the override is recorded in this
    transaction, so a later refusal (a corrupt artifact) leaves no override behind.
    """
    from training.audit_gate import gate_check

    gate_check(version=version, user=user, override_reason=override_reason)
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
