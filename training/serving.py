"""Serving the active model versions to the chat pipeline, switching versions without a restart.

Each process keeps, per kind (intent classifier, retrieval index), what it serves. On every message
it compares that with the active version in the database; a new version is loaded in the background
while the previous one keeps serving, and a version that fails to load is logged and skipped (the
old one stays). The first version of a process is waited for, by every message that needs it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conversations.models import Intent
from conversations.pipeline import Classification, Pipeline
from training.models import ModelKind, ModelVersion
from training.responder_serving import ServedResponder, responder_from_row
from training.retrieval_serving import ServedRetriever, retriever_from_row

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


# The first model of a process is waited for this long before a message is handed off instead.
LOAD_WAIT_SECONDS = 300.0


@dataclass
class _Slot:
    version_id: int | None = None
    served: Any = None
    loading_id: int | None = None
    failed_ids: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    loaded: threading.Event = field(default_factory=threading.Event)  # set when the load in flight ends


def _load_intent(row: dict) -> ServedIntentClassifier:
    from training.ml.intent import load_classifier

    model = load_classifier(row["artifact_path"])
    model.predict(["warm up"])
    return ServedIntentClassifier(model, row["version"])


# One loader per kind that is served; the active version of each kind is hot-switched the same way.
_LOADERS: dict[str, Callable[[dict], Any]] = {
    ModelKind.INTENT: _load_intent,
    ModelKind.RETRIEVAL_INDEX: retriever_from_row,
    ModelKind.RESPONDER: responder_from_row,
}
_slots: dict[str, _Slot] = {kind: _Slot() for kind in _LOADERS}


def _finish_load(kind: str, slot: _Slot, row: dict, loaded: threading.Event) -> None:
    try:
        served = _LOADERS[kind](row)
    except Exception:
        logger.exception("Could not load %s v%s; the previous version keeps serving", kind, row["version"])
        with slot.lock:
            slot.failed_ids.add(row["id"])
            if slot.loading_id == row["id"]:
                slot.loading_id = None
    else:
        with slot.lock:
            if slot.loading_id == row["id"]:  # else a newer activation superseded this load
                slot.version_id, slot.served, slot.loading_id = row["id"], served, None
    finally:
        loaded.set()


def served(kind: str, *, wait: bool = False) -> Any:
    """What serves the active version of ``kind`` in this process (None without one).

    A newly activated version loads in the background while the previous one keeps serving. With
    nothing loaded yet (a process's first message) or ``wait``, the caller waits for the load,
    including one another thread already started.
    """
    slot = _slots[kind]
    row = ModelVersion.objects.filter(kind=kind, is_active=True).values("id", "version", "artifact_path", "hyperparameters").first()
    with slot.lock:
        if row is None:
            slot.version_id, slot.served = None, None
            return None
        if row["id"] == slot.version_id or row["id"] in slot.failed_ids:
            return slot.served
        wait = wait or slot.served is None
        start = slot.loading_id != row["id"]
        if start:
            slot.loading_id, slot.loaded = row["id"], threading.Event()
        loaded = slot.loaded
    if start and wait:
        _finish_load(kind, slot, row, loaded)
    elif start:
        threading.Thread(target=_finish_load, args=(kind, slot, row, loaded), name=f"{kind}-loader", daemon=True).start()
    elif wait:
        loaded.wait(LOAD_WAIT_SECONDS)
    with slot.lock:
        return slot.served


def served_intent_classifier(*, wait: bool = False) -> ServedIntentClassifier | None:
    return served(ModelKind.INTENT, wait=wait)


def served_retriever(*, wait: bool = False) -> ServedRetriever | None:
    return served(ModelKind.RETRIEVAL_INDEX, wait=wait)


def served_responder(*, wait: bool = False) -> ServedResponder | None:
    return served(ModelKind.RESPONDER, wait=wait)


def pipeline_components() -> Pipeline:
    human_intents = frozenset(Intent.objects.filter(requests_human=True).values_list("name", flat=True))
    return Pipeline(classifier=served_intent_classifier(), retriever=served_retriever(), responder=served_responder(),
                    human_intents=human_intents)
