"""A bias audit's body (the Celery task's): measure the version, store the report, write its page.

An audit never changes which version is served, except that a training run started with
``activate`` waits for its version's audit and activates it once the audit has passed.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from conversations.errors import ChatError
from conversations.models import Intent
from training.audit.page import audit_page_html
from training.audit.replies import pii_detector
from training.audit.request import audit_config
from training.kinds import AuditInputs, kind_find
from training.ml.audit import run_audit
from training.ml.evaluation.dataset import items_load
from training.models import BiasAudit
from training.registry.attempts import attempt_claim, attempt_fail
from training.registry.versions import version_activate

logger = logging.getLogger(__name__)

AUDIT_DIR = "audits"
PAGE_FILE = "report.html"
Status = BiasAudit.Status


def audit_folder(audit: BiasAudit) -> Path:
    return Path(settings.MODEL_DIR) / AUDIT_DIR / f"audit-{audit.pk}"


def audit_execute(*, audit_id: int) -> BiasAudit | None:
    """Run the audit and store its report. A failure marks the audit failed; serving is untouched."""
    audit = attempt_claim(BiasAudit, audit_id, related=("model_version",),
                          gave_up="The audit could not run: gave up after {attempts} attempts (the worker was lost each time).")
    if audit is None:
        return None
    folder = audit_folder(audit)
    try:
        report = _measure(audit, folder)
    except Exception as exc:
        logger.exception("audit #%s could not run", audit.pk)
        message = exc.message if isinstance(exc, ChatError) else f"{type(exc).__name__}: {exc}"
        attempt_fail(audit, f"The audit could not run: {message}", folder=folder)
        return BiasAudit.objects.get(pk=audit.pk)
    return _finish(audit.pk, report, folder)


def _finish(audit_id: int, report: dict, folder: Path) -> BiasAudit:
    with transaction.atomic():
        audit = BiasAudit.objects.select_for_update().select_related("model_version").get(pk=audit_id)
        audit.status, audit.finished_at = Status.SUCCEEDED, timezone.now()
        audit.report, audit.report_path = report, str(folder)
        audit.verdict, audit.passed = report["verdict"], report["passed"]
        audit.save(update_fields=["status", "finished_at", "report", "report_path", "verdict", "passed"])
    try:
        (folder / PAGE_FILE).write_text(audit_page_html(audit), encoding="utf-8")
    except Exception:  # the page is a convenience; the report is stored
        logger.exception("Could not write the page of audit %s", audit.pk)
    if audit.activate_on_pass:
        version = audit.model_version
        if audit.passed:
            try:
                version_activate(version=version, user=version.created_by)
                audit.notes = f"{version} was activated after this audit passed, as its training run asked."
            except ChatError as exc:
                audit.notes = f"The training run asked to activate {version}; activation was refused: {exc.message}"
        else:
            audit.notes = f"The training run asked to activate {version}; it stays inactive because this audit did not pass."
        audit.save(update_fields=["notes"])
    return audit


def evaluation_messages() -> list[tuple[str, str]]:
    """The dev split's single-turn questions as (text, kind): what an answering tier's audit perturbs."""
    return [(item.question, item.kind) for item in items_load(settings.ANSWER_EVAL_DEV_DATA) if not item.history]


def _measure(audit: BiasAudit, folder: Path) -> dict:
    config = audit_config()
    version = audit.model_version
    spec = kind_find(version.kind)
    inputs = spec.audit(version) if spec is not None and spec.audit is not None else AuditInputs()
    label = spec.label if spec is not None else version.kind
    intent_reason = "" if inputs.predict is not None else f"this is an audit of a {label.lower()} version"
    provider = import_string(settings.AUDIT_REPLY_PROVIDER)
    reply, responder_reason = provider(version=version, component=inputs.component)
    detector = pii_detector() if reply is not None else None
    shutil.rmtree(folder, ignore_errors=True)
    subject = {"model_version_id": version.pk, "kind": version.kind, "version": version.version,
               "data_hash": version.data_hash, "audit_id": audit.pk}
    handoff = set(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    messages = inputs.messages or (evaluation_messages() if spec is not None and spec.pipeline_role == "responder" else [])
    return run_audit(messages=messages, predict=inputs.predict, reply=reply, pii_detector=detector, handoff_labels=handoff,
                     config=config, out_dir=folder, subject=subject, intent_reason=intent_reason,
                     responder_reason=responder_reason or "no responder version")
