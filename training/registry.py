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
    """Load the artifact and classify one sentence; a stale or corrupt artifact is refused here."""
    if version.kind != ModelKind.INTENT:
        raise ActivationRefused(f"Activating {version.get_kind_display()} versions is not supported yet.")
    from training.ml.common.errors import MLError
    from training.ml.intent import load_classifier

    try:
        classifier = load_classifier(version.artifact_path)
        classifier.predict(["hello"])
    except (MLError, OSError, ValueError) as exc:
        raise ActivationRefused(f"{version} cannot be served: {exc}. The active version is unchanged.") from None


@transaction.atomic
def version_activate(*, version: ModelVersion, user: AbstractBaseUser | None = None) -> ModelVersion:
    """Make `version` the one every process serves (they switch on their next message, no restart)."""
    artifact_check(version)
    ModelVersion.objects.select_for_update().filter(kind=version.kind, is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active, version.activated_at = True, timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    return version


def version_rollback(*, kind: str, user: AbstractBaseUser | None = None) -> ModelVersion:
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
    return version_activate(version=previous, user=user)
