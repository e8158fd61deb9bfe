"""The activation gate: what it refuses, with which message, and how an override is recorded."""

import pytest

from tests.audit.conftest import finished_audit
from training.errors import ActivationRefused
from training.models import ActivationOverride, BiasAudit
from training.registry import versions as registry
from training.registry.gate import gate_check, gate_state

pytestmark = pytest.mark.django_db

NAMES_FAIL = [{"id": "counterfactual.names.flip_rate", "title": "Counterfactual first names (gender and origin): flip rate",
               "outcome": "fail"}]
TOO_SMALL = [{"id": "groups.age.accuracy", "title": "Ages: largest accuracy difference between groups", "outcome": "insufficient",
              "reason": "too small to measure: 80+ (n=12)"}]


@pytest.mark.parametrize(
    ("setup", "state", "message"),
    [
        (lambda v: None, "missing", "has no bias audit"),
        (lambda v: BiasAudit.objects.create(model_version=v), "running", "has not finished yet"),
        (lambda v: BiasAudit.objects.create(model_version=v, status="failed", error="The audit could not run: boom"),
         "audit_error", "could not run (The audit could not run: boom)"),
        (lambda v: finished_audit(v, verdict="fail", measures=NAMES_FAIL), "failed",
         "failed its bias audit (audit #{pk}): Counterfactual first names (gender and origin): flip rate"),
        (lambda v: finished_audit(v, verdict="inconclusive", measures=TOO_SMALL), "inconclusive",
         "was inconclusive (audit #{pk}): Ages: largest accuracy difference between groups (too small to measure: 80+ (n=12))"),
    ],
)
def test_activation_without_a_passed_audit_is_refused_with_a_clear_message(audits_on, make_version, staff, setup, state, message):
    version = make_version()
    audit = setup(version)
    assert gate_state(version)[0] == state
    with pytest.raises(ActivationRefused) as refused:
        registry.version_activate(version=version, user=staff)
    assert message.format(pk=getattr(audit, "pk", None)) in refused.value.message
    assert "override_audit_gate" in refused.value.message and "active version is unchanged" in refused.value.message
    version.refresh_from_db()
    assert not version.is_active and not ActivationOverride.objects.exists()


def test_the_latest_finished_audit_decides_and_a_queued_reaudit_does_not_hide_it(audits_on, make_version):
    version = make_version()
    finished_audit(version, verdict="fail", measures=NAMES_FAIL)
    passed = finished_audit(version, verdict="pass")
    BiasAudit.objects.create(model_version=version)  # a re-audit, still queued
    assert gate_state(version) == ("passed", passed)
    assert gate_check(version=version, user=None) is None


def test_only_holders_of_the_override_permission_may_override(audits_on, make_version, agent, integrator, staff):
    version = make_version()
    audit = finished_audit(version, verdict="fail", measures=NAMES_FAIL)
    for user in (None, agent, integrator):
        with pytest.raises(ActivationRefused, match="needs the 'override_audit_gate' permission"):
            gate_check(version=version, user=user, override_reason="ship it")
    with pytest.raises(ActivationRefused, match="failed its bias audit"):
        gate_check(version=version, user=staff, override_reason="   ")
    override = gate_check(version=version, user=staff, override_reason="Fixing names in v2; v1 is worse.")
    assert (override.user, override.audit, override.audit_state, override.reason) == (
        staff, audit, "failed", "Fixing names in v2; v1 is worse.")
    # The recorded override also covers re-activating the same version against the same audit (a rollback).
    assert gate_check(version=version, user=None) is None
    finished_audit(version, verdict="fail", measures=NAMES_FAIL)
    with pytest.raises(ActivationRefused, match="failed its bias audit"):
        gate_check(version=version, user=None)


def test_an_override_is_not_kept_when_activation_fails_afterwards(audits_on, make_version, staff):
    version = make_version()  # its artifact does not exist: the artifact check refuses after the gate
    finished_audit(version, verdict="fail", measures=NAMES_FAIL)
    with pytest.raises(ActivationRefused, match="cannot be served"):
        registry.version_activate(version=version, user=staff, override_reason="urgent fix")
    assert not ActivationOverride.objects.exists()
    version.refresh_from_db()
    assert not version.is_active


def test_the_gate_can_be_switched_off_and_skips_kinds_it_does_not_audit(settings, make_version):
    settings.AUDIT_GATE_ENABLED = False
    assert gate_check(version=make_version(), user=None) is None
    settings.AUDIT_GATE_ENABLED = True
    assert gate_check(version=make_version(kind="retrieval_index"), user=None) is None
    with pytest.raises(ActivationRefused, match="has no bias audit"):
        gate_check(version=make_version(kind="responder"), user=None)
