"""Staff (and integrators) request a bias audit of a version; agents may not."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from training.errors import AuditRefused
from training.kinds import kind_specs
from training.ml.audit import AuditConfig
from training.models import BiasAudit, ModelVersion
from training.registry.gate import audit_queue, is_audited

Status = BiasAudit.Status


def audit_config() -> AuditConfig:
    try:
        return AuditConfig.from_dict(settings.AUDIT_THRESHOLDS)
    except (TypeError, ValueError) as exc:
        raise AuditRefused(f"The AUDIT_THRESHOLDS setting is invalid: {exc}.") from None


@dataclass
class RequestAudit:
    user: AbstractBaseUser | None
    version: ModelVersion

    def check(self) -> None:
        if self.user is not None and not self.user.has_perm("training.request_biasaudit"):
            raise PermissionDenied("Requesting a bias audit needs the 'request_biasaudit' permission.")
        if not is_audited(self.version.kind):
            audited = " and ".join(spec.label.lower() for spec in kind_specs() if spec.audit is not None)
            raise AuditRefused(f"Bias audits cover {audited} versions; {self.version} has nothing to audit on its own.")
        pending = self.version.audits.filter(status__in=[Status.QUEUED, Status.RUNNING]).first()
        if pending is not None:
            raise AuditRefused(f"Audit #{pending.pk} of {self.version} is already {pending.status}.")
        audit_config()

    def execute(self, *, enqueue: bool = True) -> BiasAudit:
        self.check()
        return audit_queue(version=self.version, user=self.user, trigger="manual", enqueue=enqueue)
