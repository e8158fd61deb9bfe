"""Fixtures of the responder tests. The trained artifact comes from tests/responder_fixtures.py
(session-scoped, imported by tests/conftest.py); loading only the tokenizer is cheap."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.responder_fixtures import base_model_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def responder_tokenizer() -> Any:
    from transformers import AutoTokenizer

    from training.ml.responder.base import DEFAULT_BASE_MODEL, resolve_base_model

    folder = resolve_base_model(DEFAULT_BASE_MODEL, cache_dir=base_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
