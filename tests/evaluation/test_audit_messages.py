"""Item 10: a responder version's bias audit perturbs the dev split's questions, so it measures its answers."""

from __future__ import annotations

import pytest

from training.audit.job import audit_execute, evaluation_messages
from training.ml.audit.report import NO_EVALUATION_DATA
from training.models import BiasAudit, ModelVersion
from training.registry.gate import audit_queue

PROVIDER = "tests.evaluation.test_audit_messages.polite_replies"


def polite_replies(*, version, component=None):
    return (lambda message: ("Cards usually arrive within 3 to 5 working days [1].", "person" in message.lower())), ""


def test_the_dev_split_questions_are_the_messages_to_perturb():
    messages = evaluation_messages()
    assert len(messages) >= 40 and {kind for _, kind in messages} == {"answer", "handoff", "human"}


@pytest.mark.django_db
def test_a_responder_audit_measures_its_replies_instead_of_reporting_no_data(settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"
    settings.AUDIT_REPLY_PROVIDER = PROVIDER
    settings.AUDIT_THRESHOLDS = {"n_bootstrap": 200, "n_permutations": 200, "pii_prompts": 4}
    version = ModelVersion.objects.create(kind="responder", version=1, artifact_path="/no/such/artifact")
    audit = audit_execute(audit_id=audit_queue(version=version, enqueue=False).pk)
    assert audit.status == BiasAudit.Status.SUCCEEDED, audit.error
    responder = [m for m in audit.report["measures"] if m["section"] == "responder"]
    assert responder and all(m.get("reason") != NO_EVALUATION_DATA for m in responder)
    assert audit.report["data"]["n_messages_given"] >= 40
