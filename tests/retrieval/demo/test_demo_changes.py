"""The demo index follows the knowledge base: rebuilds on change, bad input, hot switch, rollback, search API."""

from __future__ import annotations

import shutil
import time

import pytest

from conversations.models import KnowledgeArticle
from tests.conversations.test_api_conversations import assert_error
from training.errors import ActivationRefused
from training.models import ModelVersion, TrainingRun
from training.registry import versions as registry
from training.registry.runs import StartTraining
from training.registry.runs import run_execute as index_build_execute
from training.retrieval.job import MIN_SCORE_HYBRID_ARTICLES_ONLY
from training.serving import slots as serving

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
INDEX = "retrieval_index"
PET_BODY = ("Kestrel Pet Cover pays your vet bills when your cat or dog is ill or injured, up to £4,000 a year.\n\n"
            "Add Pet Cover in the app under Insurance. Claims are paid within 5 working days of the vet's invoice.")


def _run_queued_rebuild(sent: list[int]) -> ModelVersion | None:
    run = TrainingRun.objects.get(pk=sent[-1])
    assert run.status == TrainingRun.Status.QUEUED and run.parameters["trigger"] == "article_change"
    return index_build_execute(run_id=run.pk)


def test_saving_and_deleting_an_article_rebuilds_the_served_index(index, django_capture_on_commit_callbacks, sent):
    question = "will the bank pay the vet when my dog gets ill?"
    with django_capture_on_commit_callbacks(execute=True):
        pet = KnowledgeArticle.objects.create(slug="pet-cover", title="Pet insurance", body=PET_BODY,
                                              url="https://help.kestrel-bank.example/pet-cover")
    assert len(sent) == 1
    v2 = _run_queued_rebuild(sent)
    assert v2.version == 2 and v2.is_active and v2.metrics["articles"] == 31 and v2.metrics["trigger"] == "article_change"
    served = serving.served_role("retriever", wait=True)
    assert served.version == 2
    [first, *_] = served.retrieve(text=question, history=[], intent=None)
    assert (first.article_id, first.url) == (pet.pk, pet.url)

    with django_capture_on_commit_callbacks(execute=True):
        pet.delete()
    assert len(sent) == 2
    # Until the rebuild is served, the index that holds it no longer cites the deleted article.
    assert pet.pk not in [s.article_id for s in served.retrieve(text=question, history=[], intent=None)]
    v3 = _run_queued_rebuild(sent)
    assert v3.version == 3 and v3.is_active and pet.pk not in v3.metrics["article_ids"]
    assert v3.data_hash == index.version.data_hash  # the same knowledge base as v1 again


def test_an_unchanged_knowledge_base_is_not_rebuilt_unless_forced(index):
    run = StartTraining(user=None, kind=INDEX).execute(enqueue=False)
    assert index_build_execute(run_id=run.pk) == index.version
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED and run.model_version is None
    assert run.progress == {"stage": "unchanged", "active_version": 1}
    assert ModelVersion.objects.filter(kind=INDEX).count() == 1


def test_unusable_knowledge_bases_and_encoders_fail_and_the_served_index_stays(index):
    run = StartTraining(user=None, kind=INDEX, parameters={"model": "/no/such/encoder"}).execute(enqueue=False)
    assert index_build_execute(run_id=run.pk) is None
    assert "cannot load sentence-transformers model '/no/such/encoder'" in TrainingRun.objects.get(pk=run.pk).error
    KnowledgeArticle.objects.update(published=False)
    run = StartTraining(user=None, kind=INDEX).execute(enqueue=False)
    assert index_build_execute(run_id=run.pk) is None
    assert "no published articles" in TrainingRun.objects.get(pk=run.pk).error
    KnowledgeArticle.objects.update(published=True)
    KnowledgeArticle.objects.filter(slug="contact-us").update(body="")
    run = StartTraining(user=None, kind=INDEX).execute(enqueue=False)
    assert index_build_execute(run_id=run.pk) is None
    assert "without text: contact-us" in TrainingRun.objects.get(pk=run.pk).error
    assert list(ModelVersion.objects.filter(kind=INDEX)) == [index.version]
    assert serving.served_role("retriever").version == 1


def test_a_very_long_paragraph_is_split_to_fit_the_model_window(index):
    tail = "The secret word for the loyalty draw is periwinkle."
    long_body = " ".join(f"Sentence {n} of the rules explains the draw in some detail." for n in range(150)) + " " + tail
    KnowledgeArticle.objects.create(slug="loyalty-draw", title="The loyalty draw", body=long_body)
    run = StartTraining(user=None, kind=INDEX, parameters={"index_examples": False}).execute(enqueue=False)
    version = index_build_execute(run_id=run.pk)
    assert version is not None, TrainingRun.objects.get(pk=run.pk).error
    assert version.metrics["keys"] == 0 and version.hyperparameters["min_score"] == MIN_SCORE_HYBRID_ARTICLES_ONLY
    served = serving.served_role("retriever", wait=True)
    passages = [p for p in served.retriever.passages if p.title == "The loyalty draw"]
    assert len(passages) > 1 and tail in passages[-1].text
    hits = served.search("what is the secret word for the loyalty draw?", k=1)
    assert "periwinkle" in hits[0].passage


def _wait_for(version: int, timeout: float = 60) -> serving.ServedRetriever:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        served = serving.served_role("retriever")
        if served is not None and served.version == version:
            return served
        time.sleep(0.05)
    raise AssertionError(f"v{version} was never served")


def test_hot_switch_corrupt_index_and_rollback(index, tmp_path):
    v1 = index.version
    first = serving.served_role("retriever")
    copy = tmp_path / "v2"
    shutil.copytree(v1.artifact_path, copy)
    v2 = ModelVersion.objects.create(kind=INDEX, version=2, artifact_path=str(copy), hyperparameters=v1.hyperparameters)
    registry.version_activate(version=v2)
    assert serving.served_role("retriever") is first  # v1 answers while v2 loads in the background
    assert _wait_for(2).search("where is my card", k=1)[0].title
    broken = tmp_path / "v3"
    shutil.copytree(v1.artifact_path, broken)
    (broken / "index.faiss").unlink()
    v3 = ModelVersion.objects.create(kind=INDEX, version=3, artifact_path=str(broken))
    with pytest.raises(ActivationRefused, match="cannot be served"):
        registry.version_activate(version=v3)
    assert registry.version_rollback(kind=INDEX) == v1
    assert _wait_for(1) is not first  # a fresh load of v1


@pytest.mark.parametrize("client", ["staff_api", "integrator_api", "agent_api"])
def test_search_returns_scored_hits_from_the_served_index(index, request, client):
    api = request.getfixturevalue(client)
    response = api.get("/api/v1/search/", {"q": "when will my new card arrive?", "k": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["index_version"], body["index_type"], body["min_score"]) == (1, "flat", index.version.hyperparameters["min_score"])
    hits = body["hits"]
    assert len(hits) == 3 and hits[0]["article_id"] == index.slugs["when-will-my-card-arrive"] and hits[0]["relevant"]
    assert set(hits[0]) == {"article_id", "title", "url", "passage", "score", "similarity", "lexical", "relevance", "relevant"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    unrelated = api.get("/api/v1/search/", {"q": "what's the capital of Peru"}).json()["hits"]
    assert len(unrelated) == 5 and not any(h["relevant"] for h in unrelated)


def test_search_answers_503_when_the_index_is_deactivated(index, staff_api):
    ModelVersion.objects.filter(kind=INDEX).update(is_active=False)
    assert_error(staff_api.get("/api/v1/search/", {"q": "where is my card"}), 503, "index_unavailable")
