"""The activation gate: a version is served only after its bias audit passed, or with a recorded override.

The gate reads the version's latest *finished* audit (a re-audit still queued does not hide an
earlier result). States: passed, failed, inconclusive (something could not be measured: never a
pass), running (queued or running, none finished), audit_error (the audit could not run) and
missing. Anything but passed refuses activation, unless someone holding
``training.override_audit_gate`` gives a reason; the override is recorded and then also covers
re-activating the same version against the same audit (a rollback, say).

Kinds whose spec has an ``audit`` hook are audited: each new version automatically (when
AUDIT_ON_NEW_VERSION is on), and on demand (training/audit/). The audit itself runs in a worker.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from training.errors import ActivationRefused
from training.kinds import kind_find
from training.models import ActivationOverride, BiasAudit, ModelVersion
from training.registry import dispatch

AUDIT_TASK = "training.tasks.audit_model_version"
OVERRIDE_PERMISSION = "training.override_audit_gate"
Status = BiasAudit.Status
_HOW_TO_OVERRIDE = "Activating it anyway needs an override reason from someone with the 'override_audit_gate' permission."


def is_audited(kind: str) -> bool:
    spec = kind_find(kind)
    return spec is not None and spec.audit is not None


def gate_applies(version: ModelVersion) -> bool:
    return bool(settings.AUDIT_GATE_ENABLED) and is_audited(version.kind)


def audit_queue(*, version: ModelVersion, user: AbstractBaseUser | None = None, trigger: str = "manual",
                enqueue: bool = True, activate_on_pass: bool = False) -> BiasAudit:
    """Create a queued audit; with enqueue a training worker runs it once this transaction commits."""
    audit = BiasAudit.objects.create(model_version=version, requested_by=user, trigger=trigger, activate_on_pass=activate_on_pass)
    if enqueue:
        transaction.on_commit(lambda: dispatch.task_send(AUDIT_TASK, audit.pk))
    return audit


def audit_on_new_version(*, version: ModelVersion) -> BiasAudit | None:
    """Every new version of an audited kind gets an automatic audit (when AUDIT_ON_NEW_VERSION is on)."""
    if not settings.AUDIT_ON_NEW_VERSION or not is_audited(version.kind):
        return None
    return audit_queue(version=version, user=version.created_by, trigger="new_version")


def gate_state(version: ModelVersion) -> tuple[str, BiasAudit | None]:
    finished = version.audits.filter(status=Status.SUCCEEDED).order_by("-finished_at", "-pk").first()
    if finished is not None:
        if finished.passed:
            return "passed", finished
        return ("failed" if finished.verdict == BiasAudit.Verdict.FAIL else "inconclusive"), finished
    if version.audits.filter(status__in=[Status.QUEUED, Status.RUNNING]).exists():
        return "running", None
    errored = version.audits.filter(status=Status.FAILED).order_by("-pk").first()
    if errored is not None:
        return "audit_error", errored
    return "missing", None


def _findings(audit: BiasAudit, outcome: str, limit: int = 3) -> str:
    found = [m for m in (audit.report or {}).get("measures", []) if m.get("outcome") == outcome]
    text = "; ".join(m.get("title", m.get("id", "?")) + (f" ({m['reason']})" if m.get("reason") else "") for m in found[:limit])
    return text + (f"; and {len(found) - limit} more" if len(found) > limit else "")


def gate_message(version: ModelVersion, state: str, audit: BiasAudit | None) -> str:
    if state == "failed":
        return f"{version} failed its bias audit (audit #{audit.pk}): {_findings(audit, 'fail')}. {_HOW_TO_OVERRIDE}"
    if state == "inconclusive":
        return (f"The bias audit of {version} was inconclusive (audit #{audit.pk}): {_findings(audit, 'insufficient')}. "
                f"An inconclusive audit is not a pass. {_HOW_TO_OVERRIDE}")
    if state == "running":
        return f"The bias audit of {version} has not finished yet; activate it once it has passed. {_HOW_TO_OVERRIDE}"
    if state == "audit_error":
        return f"The bias audit of {version} could not run ({audit.error}). Request a new audit. {_HOW_TO_OVERRIDE}"
    return f"{version} has no bias audit. Request one. {_HOW_TO_OVERRIDE}"


def gate_check(*, version: ModelVersion, user: AbstractBaseUser | None, override_reason: str = "") -> ActivationOverride | None:
    """Refuse activation unless allowed; with a permitted override reason, record the override and allow it."""
    if not gate_applies(version):
        return None
    state, audit = gate_state(version)
    if state == "passed":
        return None
    return override_or_refuse(version=version, user=user, override_reason=override_reason, state=state,
                              evidence={"gate": ActivationOverride.Gate.BIAS, "audit": audit}, permission=OVERRIDE_PERMISSION,
                              gate_name="bias-audit", refusal=gate_message(version, state, audit))


def override_or_refuse(*, version: ModelVersion, user: AbstractBaseUser | None, override_reason: str, state: str,
                       evidence: dict[str, object], permission: str, gate_name: str, refusal: str) -> ActivationOverride | None:
    """What every activation gate does once its evidence has not passed: record a permitted override with its
    reason and allow, allow when one was already recorded for this evidence, or refuse with ``refusal``."""
    reason = (override_reason or "").strip()
    if reason:
        if user is None or not user.has_perm(permission):
            raise ActivationRefused(f"Overriding the {gate_name} gate needs the '{permission.split('.')[-1]}' permission; "
                                    "the active version is unchanged.")
        return ActivationOverride.objects.create(model_version=version, audit_state=state, user=user, reason=reason, **evidence)
    if ActivationOverride.objects.filter(model_version=version, **evidence).exists():
        return None
    raise ActivationRefused(refusal + " The active version is unchanged.")
