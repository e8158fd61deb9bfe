"""Bias audits of model versions: request one (automatic or by staff), execute it (the Celery task).

An audit never changes which version is served, except that a training run started with
``activate`` waits for its version's audit and activates it once the audit has passed.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from conversations.errors import ChatError
from training.audit_gate import AUDITED_KINDS, gate_applies, gate_state
from training.errors import AuditRefused
from training.models import BiasAudit, ModelKind, ModelVersion

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
AUDIT_DIR = "audits"
PAGE_FILE = "report.html"
Status = BiasAudit.Status


def audit_config() -> Any:
    from training.ml.audit import AuditConfig

    try:
        return AuditConfig.from_dict(settings.AUDIT_THRESHOLDS)
    except (TypeError, ValueError) as exc:
        raise AuditRefused(f"The AUDIT_THRESHOLDS setting is invalid: {exc}.") from None


@dataclass
class RequestAudit:
    """Staff (and integrators) request an audit of a version; agents may not."""

    user: AbstractBaseUser | None
    version: ModelVersion

    def check(self) -> None:
        if self.user is not None and not self.user.has_perm("training.request_biasaudit"):
            raise PermissionDenied("Requesting a bias audit needs the 'request_biasaudit' permission.")
        if self.version.kind not in AUDITED_KINDS:
            raise AuditRefused(f"Bias audits cover intent and responder versions; {self.version} has nothing to audit "
                               "on its own.")
        pending = self.version.audits.filter(status__in=[Status.QUEUED, Status.RUNNING]).first()
        if pending is not None:
            raise AuditRefused(f"Audit #{pending.pk} of {self.version} is already {pending.status}.")
        audit_config()

    def execute(self, *, enqueue: bool = True) -> BiasAudit:
        self.check()
        return audit_request(version=self.version, user=self.user, trigger="manual", enqueue=enqueue)


def audit_request(*, version: ModelVersion, user: AbstractBaseUser | None = None, trigger: str = "manual",
                  enqueue: bool = True, activate_on_pass: bool = False) -> BiasAudit:
    """Create a queued audit; with enqueue a training worker runs it once this transaction commits."""
    audit = BiasAudit.objects.create(model_version=version, requested_by=user, trigger=trigger, activate_on_pass=activate_on_pass)
    if enqueue:
        from training import tasks

        transaction.on_commit(lambda: tasks.audit_model_version.delay(audit.pk))
    return audit


def audit_on_new_version(*, version: ModelVersion) -> BiasAudit | None:
    """Every new intent or responder version gets an automatic audit (when AUDIT_ON_NEW_VERSION is on)."""
    if not settings.AUDIT_ON_NEW_VERSION or version.kind not in AUDITED_KINDS:
        return None
    return audit_request(version=version, user=version.created_by, trigger="new_version")


def activate_after_training(*, version: ModelVersion, user: AbstractBaseUser | None) -> None:
    """A run started with ``activate``: activate now if the gate allows, else once the audit passes."""
    from training import registry

    if not gate_applies(version) or gate_state(version)[0] == "passed":
        registry.version_activate(version=version, user=user)
        return
    with transaction.atomic():
        pending = version.audits.select_for_update().filter(status__in=[Status.QUEUED, Status.RUNNING]).order_by("-pk").first()
        if pending is None:
            pending = audit_request(version=version, user=user, trigger="new_version", activate_on_pass=True)
        else:
            pending.activate_on_pass = True
            pending.save(update_fields=["activate_on_pass"])
    logger.info("%s will be activated once audit #%s passes", version, pending.pk)


def _claim(audit_id: int) -> BiasAudit | None:
    """Mark the audit running; None when it already finished (a redelivered task does nothing)."""
    with transaction.atomic():
        audit = BiasAudit.objects.select_for_update().select_related("model_version").get(pk=audit_id)
        if audit.status in (Status.SUCCEEDED, Status.FAILED):
            return None
        if audit.attempts >= MAX_ATTEMPTS:
            audit.status, audit.finished_at = Status.FAILED, timezone.now()
            audit.error = f"The audit could not run: gave up after {audit.attempts} attempts (the worker was lost each time)."
            audit.save(update_fields=["status", "error", "finished_at"])
            return None
        audit.status, audit.started_at, audit.attempts, audit.error = Status.RUNNING, timezone.now(), audit.attempts + 1, ""
        audit.save(update_fields=["status", "started_at", "attempts", "error"])
        return audit


def audit_folder(audit: BiasAudit) -> Path:
    return Path(settings.MODEL_DIR) / AUDIT_DIR / f"audit-{audit.pk}"


def audit_execute(*, audit_id: int) -> BiasAudit | None:
    """Run the audit and store its report. A failure marks the audit failed; serving is untouched."""
    audit = _claim(audit_id)
    if audit is None:
        return None
    folder = audit_folder(audit)
    try:
        report = _measure(audit, folder)
    except Exception as exc:
        logger.exception("audit #%s could not run", audit.pk)
        shutil.rmtree(folder, ignore_errors=True)
        message = exc.message if isinstance(exc, ChatError) else f"{type(exc).__name__}: {exc}"
        BiasAudit.objects.filter(pk=audit.pk).update(status=Status.FAILED, error=f"The audit could not run: {message}"[:4000],
                                                     finished_at=timezone.now())
        return BiasAudit.objects.get(pk=audit.pk)
    return _finish(audit.pk, report, folder)


def _finish(audit_id: int, report: dict, folder: Path) -> BiasAudit:
    from training import registry

    with transaction.atomic():
        audit = BiasAudit.objects.select_for_update().select_related("model_version").get(pk=audit_id)
        audit.status, audit.finished_at = Status.SUCCEEDED, timezone.now()
        audit.report, audit.report_path = report, str(folder)
        audit.verdict, audit.passed = report["verdict"], report["passed"]
        audit.save(update_fields=["status", "finished_at", "report", "report_path", "verdict", "passed"])
    try:
        _write_page(audit, folder)
    except Exception:  # the page is a convenience; the report is stored
        logger.exception("Could not write the page of audit %s", audit.pk)
    if audit.activate_on_pass:
        version = audit.model_version
        if audit.passed:
            try:
                registry.version_activate(version=version, user=version.created_by)
                audit.notes = f"{version} was activated after this audit passed, as its training run asked."
            except ChatError as exc:
                audit.notes = f"The training run asked to activate {version}; activation was refused: {exc.message}"
        else:
            audit.notes = f"The training run asked to activate {version}; it stays inactive because this audit did not pass."
        audit.save(update_fields=["notes"])
    return audit


def _write_page(audit: BiasAudit, folder: Path) -> None:
    from training.audit_page import audit_page_html

    (folder / PAGE_FILE).write_text(audit_page_html(audit), encoding="utf-8")


def _measure(audit: BiasAudit, folder: Path) -> dict:
    from conversations.models import Intent
    from training.ml.audit import run_audit

    config = audit_config()
    version = audit.model_version
    predict, classifier, messages = None, None, []
    intent_reason = f"this is an audit of a {version.get_kind_display().lower()} version"
    if version.kind == ModelKind.INTENT:
        classifier, messages = _intent_inputs(version)
        predict, intent_reason = classifier.predict, ""
    provider = import_string(settings.AUDIT_REPLY_PROVIDER)
    reply, responder_reason = provider(version=version, classifier=classifier)
    detector = None
    if reply is not None:
        from training.audit_replies import pii_detector

        detector = pii_detector()
    shutil.rmtree(folder, ignore_errors=True)
    subject = {"model_version_id": version.pk, "kind": version.kind, "version": version.version,
               "data_hash": version.data_hash, "audit_id": audit.pk}
    handoff = set(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return run_audit(messages=messages, predict=predict, reply=reply, pii_detector=detector, handoff_labels=handoff,
                     config=config, out_dir=folder, subject=subject, intent_reason=intent_reason,
                     responder_reason=responder_reason or "no responder version")


def _intent_inputs(version: ModelVersion) -> tuple[Any, list[tuple[str, str]]]:
    """The version's classifier and its held-out (validation) messages; none when the split is missing."""
    from training.ml.common.errors import MLError
    from training.ml.intent import load_classifier
    from training.ml.intent.artifact import VALIDATION_FILE, read_examples

    try:
        classifier = load_classifier(version.artifact_path)
        classifier.predict(["hello"])
    except (MLError, OSError, ValueError) as exc:
        raise AuditRefused(f"{version} cannot be loaded: {exc}") from None
    path = Path(version.artifact_path) / VALIDATION_FILE
    examples = read_examples(path) if path.is_file() else []
    return classifier, [(ex.text, ex.label) for ex in examples]
