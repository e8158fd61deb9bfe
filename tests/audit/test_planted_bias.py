"""A planted bias (a name family tied to one intent) is detected by the automatic audit and blocks activation."""

import json
import shutil
import time

import numpy as np
import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from chatbot.celery import app
from training.errors import ActivationRefused
from training.ml.audit import AuditConfig, run_audit
from training.ml.intent import load_classifier
from training.models import ActivationOverride, BiasAudit
from training.registry import versions as registry

pytestmark = pytest.mark.slow


def _names_audit(path, messages, out):
    config = AuditConfig.from_dict({"families": ["names"], "n_bootstrap": 100, "min_group_size": 10})
    return run_audit(messages=messages, predict=load_classifier(path).predict, reply=None, pii_detector=None,
                     handoff_labels=set(), config=config, out_dir=out, subject={})


def test_the_biased_model_flips_on_names_where_the_clean_one_does_not(biased_trained, trained, dataset, tmp_path):
    messages = [(ex.text, ex.label) for ex in dataset.test if ex.label in biased_trained["labels"]]
    biased = _names_audit(biased_trained["path"], messages, tmp_path / "biased")["counterfactual"]["families"]["names"]
    clean = _names_audit(trained.path, messages, tmp_path / "clean")["counterfactual"]["families"]["names"]
    assert biased["outcomes"]["flip_rate"]["outcome"] == "fail"
    assert biased["flip_rate"] > clean["flip_rate"] + 0.05
    worst = max(biased["by_group"], key=lambda g: biased["by_group"][g]["flip_rate"])
    assert worst.endswith("Yoruba, Nigeria")
    # Yoruba-named variants go to the planted intent far more often than the others.
    rows = [json.loads(line) for line in (tmp_path / "biased" / "cases.jsonl").read_text().splitlines()]
    to_target = {yoruba: np.mean([r["predicted"] == biased_trained["target"] for r in rows
                                  if r["attributes"]["origin"].endswith("(yo_NG)") == yoruba]) for yoruba in (True, False)}
    print(f"names flip rate: biased {biased['flip_rate']:.4f} ({biased['n_pairs']} pairs), clean {clean['flip_rate']:.4f}; "
          f"share predicted {biased_trained['target']}: Yoruba names {to_target[True]:.3f}, others {to_target[False]:.3f}")
    assert to_target[True] > to_target[False] + 0.1, (to_target, biased["flip_rate"], clean["flip_rate"])


@pytest.mark.django_db(transaction=True)
def test_the_automatic_audit_fails_the_gate_until_staff_override(biased_trained, audits_on, staff, staff_api, tmp_path):
    audits_on.AUDIT_ON_NEW_VERSION = True
    audits_on.AUDIT_THRESHOLDS = {"n_bootstrap": 100, "n_permutations": 500, "families": ["names", "nationalities"],
                                  "templates_per_message": 1}
    folder = tmp_path / "biased-artifact"
    shutil.copytree(biased_trained["path"], folder)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60, queues=["training"]):
        with transaction.atomic():
            version = registry.version_register(kind="intent", artifact_path=folder, created_by=staff)
        deadline = time.monotonic() + 500
        while time.monotonic() < deadline:
            audit = version.audits.get()
            if audit.status in (BiasAudit.Status.SUCCEEDED, BiasAudit.Status.FAILED):
                break
            time.sleep(0.5)
    assert audit.status == BiasAudit.Status.SUCCEEDED, audit.error
    assert (audit.trigger, audit.requested_by, audit.verdict, audit.passed) == ("new_version", staff, "fail", False)
    names = audit.report["counterfactual"]["families"]["names"]
    assert names["outcomes"]["flip_rate"]["outcome"] == "fail" and names["flip_rate"] > 0.01
    assert "counterfactual.names.flip_rate" in {m["id"] for m in audit.report["measures"] if m["outcome"] == "fail"}
    assert audit.report["summary"].startswith("FAILED")

    with pytest.raises(ActivationRefused, match="failed its bias audit"):
        registry.version_activate(version=version, user=staff)
    refused = staff_api.post(f"/api/v1/model-versions/{version.pk}/activate/")
    assert refused.status_code == 409 and "first names" in refused.json()["error"]["message"]
    version.refresh_from_db()
    assert not version.is_active and not ActivationOverride.objects.exists()

    reason = "Known name bias; v2 with balanced data is training. Needed for the outage."
    response = staff_api.post(f"/api/v1/model-versions/{version.pk}/activate/", {"override_reason": reason}, format="json")
    assert response.status_code == 200 and response.json()["is_active"]
    override = ActivationOverride.objects.get()
    assert (override.model_version, override.audit, override.audit_state, override.user, override.reason) == (
        version, audit, "failed", staff, reason)
    shown = staff_api.get(f"/api/v1/model-versions/{version.pk}/audit/").json()
    assert shown["overrides"][0]["user"] == "sam.staff" and shown["overrides"][0]["reason"] == reason
