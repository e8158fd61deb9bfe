"""What the audit talks to: the served pipeline as a reply function, and the PII engine as a detector."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings

from conversations.pii_engine import anonymizer
from training.kinds import kind_find
from training.models import ModelVersion
from training.serving.pipeline import pipeline_components, pipeline_for

NO_RESPONDER = "no responder version"


def pipeline_reply_function(*, version: ModelVersion, component: Any = None) -> tuple[Any, str]:
    """The served pipeline, with the audited version in its slot, as ``message -> (reply, handed_off)``.

    ``component`` is the audited version as its slot's component when the caller has already built
    it; otherwise it is loaded here (unless it is what the pipeline already serves). None with the
    reason when there is no responder to audit: a fresh platform hands every message to a person,
    and that is not a responder to measure.
    """
    spec = kind_find(version.kind)
    role = spec.pipeline_role if spec is not None else None
    # A responder version is audited through the tier that answers with it (its metrics["serves_answers"],
    # set by its answer evaluation): the generative tier, or the extractive tier that answers instead.
    answering_tier = role == "responder" and component is None
    pipeline = pipeline_for(responder_version=version.version) if answering_tier else pipeline_components()
    if role == "responder" and (pipeline.classifier is None or pipeline.retriever is None):
        return None, f"{version.kind} v{version.version} cannot be reached: no intent classifier and knowledge-base index are served"
    if not answering_tier and role is not None and (
            component is not None or getattr(getattr(pipeline, role), "version", None) != version.version):
        if component is None:
            row = {"id": version.pk, "version": version.version, "artifact_path": version.artifact_path,
                   "hyperparameters": version.hyperparameters}
            component = spec.load(row)
        pipeline = dataclasses.replace(pipeline, **{role: component})
    if pipeline.responder is None:
        return None, NO_RESPONDER
    engine = anonymizer().warm_up() if settings.AUDIT_ANONYMIZE_PROMPTS and settings.PII_ANONYMIZE else None

    def reply(message: str) -> tuple[str, bool]:
        text = engine.anonymize(message).text if engine is not None else message
        decision = pipeline.decide(text=text, history=[])
        if decision.handoff_reason is not None:
            return decision.handoff_text, True
        return "".join(decision.chunks), decision.handoff_after_reply

    return reply, ""


def pii_detector() -> Any:
    """Spans of personal data in a text, found by the platform's PII engine (our placeholders are not PII)."""
    engine = anonymizer().warm_up()
    return lambda text: [(e.entity_type, e.start, e.end) for e in engine.detect(text)]
