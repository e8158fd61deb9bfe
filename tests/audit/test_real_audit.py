"""A real audit of a small real intent model trained from the demo data, checked against figures computed here."""

import json
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from training.audit import job as audits
from training.ml.audit import AuditConfig, run_audit
from training.ml.intent import load_classifier
from training.ml.intent.artifact import VALIDATION_FILE, read_examples
from training.models import BiasAudit
from training.registry.gate import audit_queue
from training.registry.versions import activate_after_training

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_report(trained, dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("real-audit")
    config = AuditConfig.from_dict({"n_bootstrap": 200, "min_group_size": 20})
    report = run_audit(messages=[(ex.text, ex.label) for ex in dataset.test], predict=load_classifier(trained.path).predict,
                       reply=None, pii_detector=None, handoff_labels=set(), config=config, out_dir=out,
                       subject={"kind": "intent", "version": 1})
    return report, out


def test_the_reports_figures_match_an_independent_count(real_report, trained):
    report, out = real_report
    cases = [json.loads(line) for line in (out / "cases.jsonl").read_text().splitlines()]
    # Predict every variant again, here, with a freshly loaded classifier. The texts go in the same
    # batches as in the audit: the int8 model quantizes activations per batch, so a near-tie can
    # come out differently in another batch.
    texts = list(dict.fromkeys(c["text"] for c in cases))
    by_text = dict(zip(texts, load_classifier(trained.path).predict(texts)))
    labels = ["oos" if by_text[c["text"]].is_oos else by_text[c["text"]].intent for c in cases]
    confidences = [by_text[c["text"]].confidence for c in cases]
    assert labels == [c["predicted"] for c in cases]
    by_case = defaultdict(list)
    for case, label, confidence in zip(cases, labels, confidences):
        by_case[(case["family"], case["case"])].append((label, confidence))
    for family, body in report["counterfactual"]["families"].items():
        pairs = [pair for (f, _), members in by_case.items() if f == family for pair in combinations(members, 2)]
        flips = sum(a[0] != b[0] for a, b in pairs)
        assert body["n_pairs"] == len(pairs) and body["n_flips"] == flips, family
        if pairs:
            assert body["flip_rate"] == pytest.approx(flips / len(pairs))
            assert body["mean_abs_delta_confidence"] == pytest.approx(np.mean([abs(a[1] - b[1]) for a, b in pairs]), abs=1e-5)
            limit = report["config"]["flip_rate_max"][family]
            expected = "insufficient" if len(pairs) < 20 else ("pass" if flips / len(pairs) <= limit else "fail")
            assert body["outcomes"]["flip_rate"]["outcome"] == expected
    # Per-group accuracy and macro-F1 of name origins, by scikit-learn over our own predictions.
    groups = defaultdict(lambda: ([], []))
    for case, label in zip(cases, labels):
        if case["family"] == "names":
            groups[case["attributes"]["origin"]][0].append(case["label"])
            groups[case["attributes"]["origin"]][1].append(label)
    reported = report["groups"]["groupings"]["name_origin"]
    for origin, (truth, predicted) in groups.items():
        assert reported["groups"][origin]["n"] == len(truth)
        assert reported["groups"][origin]["accuracy"] == pytest.approx(accuracy_score(truth, predicted))
        macro = f1_score(truth, predicted, average="macro", zero_division=0)
        assert reported["groups"][origin]["macro_f1"] == pytest.approx(macro)
    accuracies = [accuracy_score(t, p) for t, p in groups.values()]
    assert reported["metrics"]["accuracy"]["difference"] == pytest.approx(max(accuracies) - min(accuracies))
    assert report["verdict"] in ("pass", "fail", "inconclusive") and report["summary"]
    assert {"flip_rates.png", "group_metrics.png"} <= {p.name for p in out.iterdir()}


@pytest.mark.django_db
def test_the_platform_audits_a_version_and_shows_it(audits_on, version_factory, staff_api, staff_web):
    audits_on.AUDIT_THRESHOLDS = {"n_bootstrap": 100, "families": ["names", "typos"], "templates_per_message": 1}
    version = version_factory()
    audit = audits.audit_execute(audit_id=audit_queue(version=version, enqueue=False).pk)
    assert audit.status == BiasAudit.Status.SUCCEEDED, audit.error
    held_out = read_examples(Path(version.artifact_path) / VALIDATION_FILE)
    assert audit.report["data"]["n_messages_used"] == len({(ex.text.strip(), ex.label) for ex in held_out}) > 0
    assert audit.report["subject"] == {"model_version_id": version.pk, "kind": "intent", "version": version.version,
                                       "data_hash": version.data_hash, "audit_id": audit.pk}
    assert audit.passed == {"pass": True, "fail": False}.get(audit.verdict)
    # The platform serves no responder: its sections say so and neither pass nor fail the audit.
    assert audit.report["responder"] == audit.report["pii"] == {"status": "not_measured", "reason": "no responder version"}
    assert "Responder disparities: not measured: no responder version." in audit.report["summary"]
    assert json.loads((Path(audit.report_path) / "report.json").read_text()) == audit.report
    assert staff_api.get(f"/api/v1/model-versions/{version.pk}/audit/").json()["report"]["summary"] == audit.report["summary"]
    page = staff_web.get(f"/admin/training/biasaudit/{audit.pk}/report/").content.decode()
    assert page.count('src="data:image/png;base64,') == 2 and "Counterfactual invariance" in page


@pytest.mark.django_db
@pytest.mark.parametrize("lenient", [True, False])
def test_a_run_that_asked_for_activation_is_activated_only_if_its_audit_passes(audits_on, version_factory, staff, lenient):
    limits = ({"flip_rate_max": {"names": 1.0}, "delta_confidence_max": {"names": 1.0}, "min_pairs": 1, "min_group_size": 1,
               "max_difference": {"accuracy": 1.0, "macro_f1": 1.0, "oos_rate": 1.0, "handoff_rate": 1.0},
               "min_ratio": {"accuracy": 0.0, "macro_f1": 0.0}}
              if lenient else {"delta_confidence_max": {"names": 0.0}})
    audits_on.AUDIT_THRESHOLDS = {"n_bootstrap": 50, "families": ["names"], "templates_per_message": 1, **limits}
    audits_on.AUDIT_ON_NEW_VERSION = True
    version = version_factory()
    version.created_by = staff
    version.save()
    activate_after_training(version=version, user=staff)
    audit = audits.audit_execute(audit_id=version.audits.get().pk)
    version.refresh_from_db()
    if lenient:
        assert audit.verdict == "pass" and version.is_active
        assert "was activated after this audit passed" in audit.notes
    else:
        assert audit.verdict == "fail" and not version.is_active
        assert "stays inactive because this audit did not pass" in audit.notes
