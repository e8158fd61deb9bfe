"""Saving, deleting or re-tagging an article queues ONE index rebuild once the change commits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conversations.models import KnowledgeArticle
from tests.factories import IntentFactory, KnowledgeArticleFactory
from training.models import TrainingRun
from training.retrieval.triggers import PENDING_FOR

pytestmark = pytest.mark.django_db


def _runs() -> list[TrainingRun]:
    return list(TrainingRun.objects.filter(kind="retrieval_index").order_by("pk"))


def test_saving_an_article_queues_one_rebuild_on_commit(django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=True):
        article = KnowledgeArticleFactory()
        article.title = "Edited twice in the same transaction"
        article.save()
        article.intents.add(IntentFactory(name="card_arrival"))
        assert _runs() == [] and sent == []  # nothing before the commit
    [run] = _runs()
    assert sent == [run.pk]
    assert run.status == TrainingRun.Status.QUEUED and run.started_by is None
    assert run.parameters == {"trigger": "article_change", "activate": True}


def test_a_rolled_back_change_queues_nothing(django_capture_on_commit_callbacks, sent):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            KnowledgeArticleFactory()
            raise RuntimeError("abort")
    assert _runs() == [] and sent == []


def test_changes_while_a_rebuild_waits_add_nothing_and_a_change_during_a_build_queues_one_more(django_capture_on_commit_callbacks, sent):
    article = KnowledgeArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    with django_capture_on_commit_callbacks(execute=True):
        KnowledgeArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        article.intents.add(IntentFactory(name="card_arrival"))
    [waiting] = _runs()
    assert sent == [waiting.pk]
    TrainingRun.objects.filter(pk=waiting.pk).update(status=TrainingRun.Status.RUNNING)  # a worker started it
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert [r.pk for r in _runs()] == [waiting.pk, sent[-1]] and len(sent) == 2


@pytest.mark.parametrize("change", ["delete", "remove_intent", "clear_intents"])
def test_deleting_or_retagging_an_article_queues_a_rebuild(change, django_capture_on_commit_callbacks, sent):
    article = KnowledgeArticleFactory()
    intent = IntentFactory(name="card_arrival")
    article.intents.add(intent)
    with django_capture_on_commit_callbacks(execute=True):
        {"delete": article.delete, "remove_intent": lambda: article.intents.remove(intent),
         "clear_intents": article.intents.clear}[change]()
    assert len(_runs()) == 1 and len(sent) == 1


def test_a_queued_run_that_never_started_for_too_long_no_longer_holds_back_a_rebuild(django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=True):
        KnowledgeArticleFactory()
    TrainingRun.objects.update(created_at=timezone.now() - PENDING_FOR - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        KnowledgeArticleFactory()
    assert len(_runs()) == 2 and len(sent) == 2


def test_a_waiting_manual_build_that_will_not_activate_does_not_absorb_a_change(django_capture_on_commit_callbacks, sent, staff):
    from training.registry.runs import StartTraining

    StartTraining(user=staff, kind="retrieval_index", parameters={"activate": False}).execute(enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        KnowledgeArticleFactory()
    assert len(_runs()) == 2 and len(sent) == 1


def test_rebuild_on_change_can_be_switched_off(settings, django_capture_on_commit_callbacks, sent):
    settings.RETRIEVAL_REBUILD_ON_CHANGE = False
    with django_capture_on_commit_callbacks(execute=True):
        KnowledgeArticleFactory()
        KnowledgeArticle.objects.all().delete()
    assert _runs() == [] and sent == []


def test_a_broker_outage_fails_the_run_but_not_the_committed_change(monkeypatch, django_capture_on_commit_callbacks, sent):
    from training.registry import dispatch

    def down(name: str, object_id: int) -> None:
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(dispatch, "task_send", down)
        with django_capture_on_commit_callbacks(execute=True):
            article = KnowledgeArticleFactory()
    assert KnowledgeArticle.objects.filter(pk=article.pk).exists()
    [run] = _runs()
    assert run.status == TrainingRun.Status.FAILED and "broker unreachable" in run.error
    with django_capture_on_commit_callbacks(execute=True):  # the next change queues a rebuild again
        article.save()
    assert len(_runs()) == 2 and sent == [_runs()[-1].pk]
