"""What the audit talks to: the served pipeline as a reply function, and the PII engine as a detector."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings

from training.models import ModelKind, ModelVersion

NO_RESPONDER = "no responder version"


def pipeline_reply_function(*, version: ModelVersion, classifier: Any = None) -> tuple[Any, str]:
    """The served pipeline (with the audited intent version in it) as ``message -> (reply, handed_off)``.

    None with the reason when there is no responder to audit: a fresh platform hands every
    message to a person, and that is not a responder to measure.
    """
    from conversations.pipeline import pipeline_load
    from training.serving import ServedIntentClassifier

    pipeline = pipeline_load()
    if version.kind == ModelKind.RESPONDER:
        if pipeline.classifier is None or pipeline.retriever is None:
            return None, f"responder v{version.version} cannot be reached: no intent classifier and knowledge-base index are served"
        if getattr(pipeline.responder, "version", None) != version.version:
            # The audited responder answers inside the served pipeline (served classifier and index).
            from training.responder_serving import responder_from_row

            row = {"artifact_path": version.artifact_path, "version": version.version}
            pipeline = dataclasses.replace(pipeline, responder=responder_from_row(row))
    if pipeline.responder is None:
        return None, NO_RESPONDER
    if version.kind == ModelKind.INTENT and classifier is not None:
        pipeline = dataclasses.replace(pipeline, classifier=ServedIntentClassifier(classifier, version.version))
    anonymize = _anonymizer() if settings.AUDIT_ANONYMIZE_PROMPTS and settings.PII_ANONYMIZE else None

    def reply(message: str) -> tuple[str, bool]:
        text = anonymize.anonymize(message).text if anonymize is not None else message
        decision = pipeline.decide(text=text, history=[])
        if decision.handoff_reason is not None:
            return decision.handoff_text, True
        text = "".join(decision.chunks)
        return text, decision.handoff_after_reply

    return reply, ""


def _anonymizer() -> Any:
    from conversations.privacy import anonymizer

    return anonymizer().warm_up()


def pii_detector() -> Any:
    """Spans of personal data in a text, found by the platform's PII engine (our placeholders are not PII)."""
    engine = _anonymizer()
    return lambda text: [(e.entity_type, e.start, e.end) for e in engine.detect(text)]
