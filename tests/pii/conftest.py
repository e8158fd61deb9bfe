from __future__ import annotations

import pytest

from conversations.pii import Anonymizer, get_anonymizer


@pytest.fixture(scope="session")
def anonymizer() -> Anonymizer:
    return get_anonymizer()


@pytest.fixture
def types_of(anonymizer: Anonymizer):
    def detect(text: str) -> list[tuple[str, str]]:
        return [(e.entity_type, e.original) for e in anonymizer.detect(text)]

    return detect
