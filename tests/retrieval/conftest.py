"""Fixtures of the retrieval tests: what was sent to the broker, a clean slate for the serving slots."""

from __future__ import annotations

import pytest

from training.registry import dispatch

INDEX_TASK = "training.tasks.build_retrieval_index"


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Run ids handed to the index-build task (the broker boundary), instead of sending them."""
    ids: list[int] = []
    monkeypatch.setattr(dispatch, "task_send", lambda name, object_id: ids.append(object_id) if name == INDEX_TASK else None)
    return ids
