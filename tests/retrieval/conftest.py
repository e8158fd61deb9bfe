"""Fixtures of the retrieval tests: what was sent to the broker, a clean slate for the serving slots."""

from __future__ import annotations

import pytest

from training import tasks


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Run ids handed to the index-build task (the broker boundary), instead of sending them."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.build_retrieval_index, "delay", ids.append)
    return ids
