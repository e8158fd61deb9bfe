"""Serving the active model versions to the chat pipeline, switching versions without a restart.

Each process keeps the model it serves. On every message it compares that with the active
version in the database; a new version is loaded in the background while the previous one
keeps serving, and a version that fails to load is logged and skipped (the old one stays).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from conversations.models import Intent
from conversations.pipeline import Classification, Pipeline
from training.models import ModelKind, ModelVersion

logger = logging.getLogger(__name__)


class ServedIntentClassifier:
    """The pipeline's Classifier over an intent artifact, batching concurrent messages."""

    def __init__(self, model: Any, version: int) -> None:
        from training.ml.common.batching import MicroBatcher

        self.model, self.version = model, version
        self._predict = MicroBatcher(model.predict)

    def classify(self, text: str) -> Classification:
        p = self._predict(text)
        oos = bool(p.is_oos) or p.intent == "oos"
        return Classification(intent=None if p.intent == "oos" else p.intent, confidence=float(p.confidence),
                              out_of_scope=oos, model_version=self.version)


@dataclass
class _Slot:
    version_id: int | None = None
    served: Any = None
    loading_id: int | None = None
    failed_ids: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


_slots: dict[str, _Slot] = {ModelKind.INTENT: _Slot()}


def _load_intent(row: dict) -> ServedIntentClassifier:
    from training.ml.intent import load_classifier

    model = load_classifier(row["artifact_path"])
    model.predict(["warm up"])
    return ServedIntentClassifier(model, row["version"])


def _finish_load(slot: _Slot, row: dict) -> None:
    try:
        served = _load_intent(row)
    except Exception:
        logger.exception("Could not load intent model v%s; the previous version keeps serving", row["version"])
        with slot.lock:
            slot.failed_ids.add(row["id"])
            slot.loading_id = None
        return
    with slot.lock:
        slot.version_id, slot.served, slot.loading_id = row["id"], served, None


def served_intent_classifier(*, wait: bool = False) -> ServedIntentClassifier | None:
    slot = _slots[ModelKind.INTENT]
    row = ModelVersion.objects.filter(kind=ModelKind.INTENT, is_active=True).values("id", "version", "artifact_path").first()
    with slot.lock:
        if row is None:
            slot.version_id, slot.served = None, None
            return None
        if row["id"] == slot.version_id or row["id"] in slot.failed_ids:
            return slot.served
        first_load = slot.served is None
        if slot.loading_id != row["id"]:
            slot.loading_id = row["id"]
            start = True
        else:
            start = False
    if first_load or wait:
        if start:
            _finish_load(slot, row)
        return slot.served
    if start:
        threading.Thread(target=_finish_load, args=(slot, row), name="model-loader", daemon=True).start()
    return slot.served


def pipeline_components() -> Pipeline:
    human_intents = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return Pipeline(classifier=served_intent_classifier(), retriever=None, responder=None, human_intents=human_intents)
