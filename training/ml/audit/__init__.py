"""Bias audit of the intent classifier and the responder (pure ML: no Django, no Celery).

    from training.ml.audit import AuditConfig, run_audit
    report = run_audit(messages=[(text, label), ...], predict=classifier.predict,
                       reply=lambda message: (reply_text, handed_off), pii_detector=detect,
                       handoff_labels={"human_agent"}, config=AuditConfig.from_dict({...}),
                       out_dir="audit-7", subject={"kind": "intent", "version": 3})
    report["verdict"], report["summary"], report["measures"]

What it measures (docs/audit.md): counterfactual invariance per perturbation family
(perturb.py, invariance.py), per-group performance with fairlearn's MetricFrame and bootstrap
intervals (groups.py), responder disparities with paired permutation tests and personal data
in replies (responder.py). Faker, fairlearn, scipy, vaderSentiment and matplotlib are imported
inside the functions that use them.
"""

from training.ml.audit.config import (
    FAIL,
    FAMILIES,
    GROUPINGS,
    IDENTITY_FAMILIES,
    INSUFFICIENT,
    NOT_MEASURED,
    PASS,
    AuditConfig,
)
from training.ml.audit.perturb import Variant, build_variants
from training.ml.audit.report import FORMAT_VERSION, REPORT_FILE, run_audit
from training.ml.audit.responder import PiiDetector, ReplyFn
from training.ml.audit.summary import CHECKLIST_CONTEXT, FAILED, INCONCLUSIVE, PASSED

__all__ = [
    "CHECKLIST_CONTEXT",
    "FAIL",
    "FAILED",
    "FAMILIES",
    "FORMAT_VERSION",
    "GROUPINGS",
    "IDENTITY_FAMILIES",
    "INCONCLUSIVE",
    "INSUFFICIENT",
    "NOT_MEASURED",
    "PASS",
    "PASSED",
    "REPORT_FILE",
    "AuditConfig",
    "PiiDetector",
    "ReplyFn",
    "Variant",
    "build_variants",
    "run_audit",
]
