"""Audits over the API and in admin: who may request, read, download and override."""

import pytest

from tests.audit.conftest import finished_audit
from training.audit import job as audits
from training.models import ActivationOverride, BiasAudit
from training.registry.gate import audit_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def responder_audit(audits_on, make_version):
    """A responder version audited for real; the platform does not serve it, so it is inconclusive."""
    version = make_version(kind="responder")
    return audits.audit_execute(audit_id=audit_queue(version=version, enqueue=False).pk)


def test_roles(agent, staff, integrator):
    for perm, expected in (("training.request_biasaudit", (False, True, True)), ("training.view_biasaudit", (False, True, True)),
                           ("training.override_audit_gate", (False, True, False))):
        assert (agent.has_perm(perm), staff.has_perm(perm), integrator.has_perm(perm)) == expected, perm


def test_requesting_over_the_api(audits_on, make_version, staff_api, agent_api, integrator_api):
    version = make_version()
    url = f"/api/v1/model-versions/{version.pk}/audit/"
    assert agent_api.post(url).status_code == 403
    assert staff_api.get(url).status_code == 404
    response = staff_api.post(url)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["requested_by"] == "sam.staff"
    again = integrator_api.post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "audit_refused"
    assert staff_api.post("/api/v1/model-versions/9999/audit/").status_code == 404
    assert BiasAudit.objects.count() == 1


def test_reading_the_report_and_downloading_the_page(responder_audit, staff_api, agent_api):
    version = responder_audit.model_version
    url = f"/api/v1/model-versions/{version.pk}/audit/"
    assert agent_api.get(url).status_code == 403 and agent_api.get(url + "page/").status_code == 403
    body = staff_api.get(url).json()
    assert body["id"] == responder_audit.pk and body["status"] == "succeeded" and body["verdict"] == "inconclusive"
    assert body["passed"] is None and body["report"]["format_version"] == 1
    assert "not measured: responder v1 cannot be reached" in body["report"]["summary"]
    page = staff_api.get(url + "page/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    filename = f"bias-audit-{responder_audit.pk}-responder-v{version.version}.html"
    assert page["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert b"<!doctype html>" in page.content and b"Not measured: responder v1 cannot be reached" in page.content


def test_activation_over_the_api_respects_the_gate(audits_on, make_version, staff_api, agent_api):
    version = make_version()
    failing = {"id": "counterfactual.names.flip_rate", "title": "Names flip rate", "outcome": "fail"}
    finished_audit(version, verdict="fail", measures=[failing])
    url = f"/api/v1/model-versions/{version.pk}/activate/"
    assert agent_api.post(url, {"override_reason": "x"}, format="json").status_code == 403
    refused = staff_api.post(url)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "activation_refused"
    assert "failed its bias audit" in refused.json()["error"]["message"]
    # With a reason the gate lets it through; this artifact is missing, so activation is refused and nothing is recorded.
    missing = staff_api.post(url, {"override_reason": "hotfix"}, format="json")
    assert missing.status_code == 409 and "cannot be served" in missing.json()["error"]["message"]
    assert not ActivationOverride.objects.exists()


def test_the_admin_report_page_and_the_request_action(responder_audit, make_version, staff_web, agent_web):
    url = f"/admin/training/biasaudit/{responder_audit.pk}/report/"
    assert agent_web.get(url).status_code == 403
    page = staff_web.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "INCONCLUSIVE" in text and "Not measured: responder v1 cannot be reached" in text
    assert "Activate with override" in text  # staff may override an audit that did not pass
    for url in ("/admin/training/biasaudit/", f"/admin/training/biasaudit/{responder_audit.pk}/change/",
                "/admin/training/activationoverride/"):
        assert staff_web.get(url).status_code == 200, url
    listing = staff_web.get("/admin/training/modelversion/")
    assert listing.status_code == 200 and "Inconclusive" in listing.content.decode()
    other = make_version()
    response = staff_web.post("/admin/training/modelversion/", {"action": "request_audits", "_selected_action": [other.pk]})
    assert response.status_code == 302
    assert other.audits.get().requested_by.username == "sam.staff"


def test_the_admin_override_needs_a_reason_and_reports_a_refusal(responder_audit, staff_web):
    url = f"/admin/training/biasaudit/{responder_audit.pk}/override/"
    response = staff_web.post(url, {"reason": ""}, follow=True)
    assert "Give a reason for the override." in response.content.decode()
    response = staff_web.post(url, {"reason": "trial"}, follow=True)
    # This responder version cannot be served (no artifact): the refusal is shown and no override is kept.
    text = response.content.decode()
    assert "not supported" in text or "cannot be served" in text
    assert not ActivationOverride.objects.exists()
    responder_audit.model_version.refresh_from_db()
    assert not responder_audit.model_version.is_active
