"""Requesting and running audits: who may, automatic audits of new versions, failures, activation untouched."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from training.audit import job as audits
from training.audit.request import RequestAudit
from training.errors import AuditRefused
from training.models import BiasAudit, ModelVersion
from training.registry.attempts import MAX_ATTEMPTS
from training.registry.gate import audit_queue
from training.registry.versions import activate_after_training, version_register

pytestmark = pytest.mark.django_db
Status = BiasAudit.Status


def test_staff_request_an_audit_for_a_worker_and_agents_cannot(audits_on, make_version, staff, agent,
                                                                django_capture_on_commit_callbacks):
    version = make_version()
    with pytest.raises(PermissionDenied, match="request_biasaudit"):
        RequestAudit(user=agent, version=version).execute()
    with django_capture_on_commit_callbacks() as callbacks:
        audit = RequestAudit(user=staff, version=version).execute()
    assert (audit.status, audit.trigger, audit.requested_by) == (Status.QUEUED, "manual", staff)
    assert len(callbacks) == 1  # the task is sent once the transaction commits
    with pytest.raises(AuditRefused, match=f"Audit #{audit.pk} of .* is already queued"):
        RequestAudit(user=staff, version=version).execute()
    with pytest.raises(AuditRefused, match="nothing to audit on its own"):
        RequestAudit(user=staff, version=make_version(kind="retrieval_index")).execute()


def test_bad_thresholds_are_refused_before_anything_is_queued(audits_on, make_version, staff):
    audits_on.AUDIT_THRESHOLDS = {"flip_rate_max": {"names": "lots"}}
    with pytest.raises(AuditRefused, match="AUDIT_THRESHOLDS setting is invalid"):
        RequestAudit(user=staff, version=make_version()).execute(enqueue=False)
    assert not BiasAudit.objects.exists()


def test_every_new_intent_or_responder_version_is_audited_automatically(audits_on, staff, django_capture_on_commit_callbacks):
    audits_on.AUDIT_ON_NEW_VERSION = True
    with django_capture_on_commit_callbacks() as callbacks:
        intent = version_register(kind="intent", artifact_path="/no/such/artifact", created_by=staff)
        responder = version_register(kind="responder", artifact_path="/no/such/artifact")
        version_register(kind="retrieval_index", artifact_path="/no/such/artifact")
    assert len(callbacks) == 2
    assert [(a.model_version, a.trigger, a.requested_by) for a in BiasAudit.objects.order_by("pk")] == [
        (intent, "new_version", staff), (responder, "new_version", None)]
    # Saving an existing version again does not queue another audit.
    intent.save()
    assert BiasAudit.objects.count() == 2
    audits_on.AUDIT_ON_NEW_VERSION = False
    version_register(kind="intent", artifact_path="/no/such/artifact")
    assert BiasAudit.objects.count() == 2


@pytest.mark.slow  # trying to load the artifact imports torch
def test_an_audit_that_cannot_run_is_marked_failed_and_activation_is_untouched(audits_on, make_version, tmp_path):
    active = make_version(is_active=True)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "meta.json").write_text("{not json")
    version = make_version(artifact_path=str(broken))
    audit = audit_queue(version=version, enqueue=False)
    result = audits.audit_execute(audit_id=audit.pk)
    assert result.status == Status.FAILED and result.passed is None and result.verdict == ""
    assert result.error.startswith("The audit could not run:") and "cannot be loaded" in result.error
    assert not audits.audit_folder(audit).exists()
    assert list(ModelVersion.objects.filter(is_active=True)) == [active]
    # A redelivered task for a finished audit does nothing.
    assert audits.audit_execute(audit_id=audit.pk) is None
    assert BiasAudit.objects.get(pk=audit.pk).attempts == 1


def test_a_responder_that_cannot_be_built_fails_the_audit_with_its_reason(audits_on, make_version):
    audits_on.AUDIT_REPLY_PROVIDER = "tests.audit.fakes.failing_provider"
    audit = audit_queue(version=make_version(kind="responder"), enqueue=False)
    result = audits.audit_execute(audit_id=audit.pk)
    assert result.status == Status.FAILED
    assert result.error == "The audit could not run: RuntimeError: the responder pipeline could not be built"


def test_an_audit_whose_worker_was_lost_too_often_is_failed(audits_on, make_version):
    audit = audit_queue(version=make_version(), enqueue=False)
    BiasAudit.objects.filter(pk=audit.pk).update(status=Status.RUNNING, attempts=MAX_ATTEMPTS)
    assert audits.audit_execute(audit_id=audit.pk) is None
    audit.refresh_from_db()
    assert audit.status == Status.FAILED and "gave up after 3 attempts" in audit.error


def test_a_responder_version_that_is_not_served_is_not_measured_and_the_audit_is_inconclusive(audits_on, make_version):
    # The default provider builds the served pipeline: a fresh platform serves no responder.
    version = make_version(kind="responder")
    audit = audits.audit_execute(audit_id=audit_queue(version=version, enqueue=False).pk)
    assert audit.status == Status.SUCCEEDED and audit.verdict == "inconclusive" and audit.passed is None
    report = audit.report
    reason = "responder v1 cannot be reached: no intent classifier and knowledge-base index are served"
    assert report["responder"] == {"status": "not_measured", "reason": reason}
    assert report["counterfactual"] == {"status": "not_measured", "reason": "this is an audit of a responder version"}
    assert f"Responder disparities: not measured: {reason}." in report["summary"]
    assert json.loads((Path(audit.report_path) / "report.json").read_text())["verdict"] == "inconclusive"
    page = (Path(audit.report_path) / "report.html").read_text()
    assert f"Not measured: {reason}." in page and f"Bias audit #{audit.pk}" in page


def test_a_run_that_asked_for_activation_waits_for_the_audit(audits_on, make_version, staff):
    audits_on.AUDIT_ON_NEW_VERSION = True
    version = make_version(created_by=staff)
    activate_after_training(version=version, user=staff)
    version.refresh_from_db()
    audit = version.audits.get()
    assert not version.is_active and audit.activate_on_pass and audit.status == Status.QUEUED
