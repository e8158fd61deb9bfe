"""The active version of each kind, served in this process and switched without a restart.

Each process keeps, per kind, what it serves (what the kind's spec ``load`` built). On every
message it compares that with the active version in the database; a new version is loaded in the
background while the previous one keeps serving, and a version that fails to load is logged and
skipped (the old one stays). The first version of a process is waited for, by every message that
needs it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from training.kinds import ServedRow, kind_find, kind_for_role, kind_specs
from training.models import ModelVersion

logger = logging.getLogger(__name__)


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


_slots: dict[str, _Slot] = {}
_slots_lock = threading.Lock()


def _slot(kind: str) -> _Slot:
    with _slots_lock:
        return _slots.setdefault(kind, _Slot())


def _load(kind: str, row: ServedRow) -> Any:
    spec = kind_find(kind)
    if spec is None or spec.load is None:
        raise LookupError(f"{kind} versions are not served")
    return spec.load(row)


def _finish_load(kind: str, slot: _Slot, row: dict, loaded: threading.Event) -> None:
    try:
        served = _load(kind, row)
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
    slot = _slot(kind)
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


def served_role(role: str, *, wait: bool = False) -> Any:
    """What serves the pipeline slot ``role`` ("classifier", "retriever", "responder"); None without one."""
    spec = kind_for_role(role)
    return None if spec is None else served(spec.name, wait=wait)


def served_kinds() -> list[str]:
    return [s.name for s in kind_specs() if s.load is not None]


def slots_reset() -> None:
    """Forget what this process serves (tests; a process that must reload everything)."""
    with _slots_lock:
        _slots.clear()
