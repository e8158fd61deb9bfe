"""A real knowledge-base index of the demo articles, built and activated in the test, for the responder's pairs."""

from __future__ import annotations

import pytest

from conversations.demo import demo_data_load
from training.models import ModelVersion
from training.registry.runs import StartTraining, run_execute
from training.serving.slots import slots_reset


@pytest.fixture
def demo_index(settings, tmp_path):
    """The demo data and its active index (articles only, which builds in a few seconds)."""
    settings.PII_ANONYMIZE = False
    settings.MODEL_DIR = tmp_path
    demo_data_load()
    run = StartTraining(user=None, kind="retrieval_index",
                        parameters={"activate": True, "index_examples": False}).execute(enqueue=False)
    version = run_execute(run_id=run.pk)
    assert version is not None and ModelVersion.objects.get(pk=version.pk).is_active
    slots_reset()
    yield version
    slots_reset()
