"""One real index of the demo knowledge base (Kestrel Bank), built once for this package.

The demo data is loaded with the demo loader and committed for the package (each test still runs
in its own rolled-back transaction on top of it); the last HELD_OUT examples of every intent are
removed before the build, so they are questions the index has never seen. Everything is deleted
when the package ends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import override_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from conversations.demo import OOS_INTENT, demo_data_load  # noqa: E402
from conversations.models import AgentReply, Intent, KnowledgeArticle, TrainingExample  # noqa: E402
from training.models import ModelVersion, TrainingRun  # noqa: E402
from training.registry.runs import StartTraining  # noqa: E402
from training.registry.runs import run_execute as index_build_execute  # noqa: E402
from training.serving.slots import slots_reset  # noqa: E402

HELD_OUT = 3


@dataclass(frozen=True)
class DemoIndex:
    version: ModelVersion
    run: TrainingRun
    held_out: list[tuple[str, str]]  # (question, intent), never indexed
    targets: dict[str, set[int]]  # intent -> ids of the articles tagged with it
    slugs: dict[str, int]  # slug -> article id


def reset_slots() -> None:
    slots_reset()


def _hold_out() -> list[tuple[str, str]]:
    held: list[tuple[str, str]] = []
    for intent in Intent.objects.exclude(name=OOS_INTENT):
        rows = list(intent.examples.order_by("-id")[:HELD_OUT])
        held += [(r.text, intent.name) for r in reversed(rows)]
        TrainingExample.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return held


@pytest.fixture(scope="package")
def demo_index(django_db_setup, django_db_blocker, tmp_path_factory) -> DemoIndex:
    model_dir = tmp_path_factory.mktemp("models")
    with django_db_blocker.unblock(), override_settings(MODEL_DIR=model_dir, RETRIEVAL_REBUILD_ON_CHANGE=False):
        demo_data_load()
        held_out = _hold_out()
        run = StartTraining(user=None, kind="retrieval_index", parameters={}).execute(enqueue=False)
        version = index_build_execute(run_id=run.pk)
        run.refresh_from_db()
        assert version is not None, run.error
        targets: dict[str, set[int]] = {}
        for article in KnowledgeArticle.objects.prefetch_related("intents"):
            for intent in article.intents.all():
                targets.setdefault(intent.name, set()).add(article.pk)
        slugs = dict(KnowledgeArticle.objects.values_list("slug", "pk"))
    reset_slots()
    yield DemoIndex(version=version, run=run, held_out=held_out, targets=targets, slugs=slugs)
    reset_slots()
    with django_db_blocker.unblock(), override_settings(RETRIEVAL_REBUILD_ON_CHANGE=False):
        TrainingRun.objects.all().delete()
        ModelVersion.objects.all().delete()
        KnowledgeArticle.objects.all().delete()
        AgentReply.objects.all().delete()
        TrainingExample.objects.all().delete()
        Intent.objects.all().delete()


@pytest.fixture
def index(demo_index, db, settings, tmp_path) -> DemoIndex:
    """The demo index, for a test that may build more versions (under its own MODEL_DIR)."""
    settings.MODEL_DIR = tmp_path / "models"
    reset_slots()
    yield demo_index
    reset_slots()
