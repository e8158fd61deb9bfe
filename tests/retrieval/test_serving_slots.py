"""The hot-switch slots: a message that arrives while a process loads its very first model waits for it."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from training import kinds
from training.models import ModelVersion
from training.serving import slots as serving


@pytest.fixture
def gated_loader(monkeypatch):
    """A loader that blocks until released, standing in for a model that takes a while to load."""
    started, release, loads = threading.Event(), threading.Event(), []

    def load(row: dict) -> tuple[str, int]:
        loads.append(row["version"])
        started.set()
        assert release.wait(30)
        return ("served", row["version"])

    monkeypatch.setitem(kinds._specs, "retrieval_index", dataclasses.replace(kinds.kind_spec("retrieval_index"), load=load))
    serving.slots_reset()
    return started, release, loads


def _served() -> object:
    try:
        return serving.served_role("retriever")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_message_during_the_first_load_waits_for_it_instead_of_handing_off(gated_loader):
    started, release, loads = gated_loader
    ModelVersion.objects.create(kind="retrieval_index", version=1, is_active=True)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(_served)
        assert started.wait(30)
        second = pool.submit(_served)
        # Before the fix the second call returned None at once (the message was handed off).
        with pytest.raises(TimeoutError):
            second.result(0.5)
        release.set()
        assert first.result(30) == second.result(30) == ("served", 1)
    assert loads == [1]  # one load, shared


@pytest.mark.django_db
def test_no_active_version_serves_nothing(gated_loader):
    assert serving.served_role("retriever") is None
    assert gated_loader[2] == []
