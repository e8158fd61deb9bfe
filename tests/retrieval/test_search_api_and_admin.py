"""The staff search endpoint without an index (permissions, validation, 503, schema) and the KB admin."""

from __future__ import annotations

import pytest

from conversations.models import KnowledgeArticle
from tests.conversations.test_api_conversations import assert_error
from tests.factories import KnowledgeArticleFactory
from tests.retrieval.demo.conftest import reset_slots
from training.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db
SEARCH = "/api/v1/search/"


@pytest.fixture(autouse=True)
def _no_served_index():
    reset_slots()
    yield
    reset_slots()


def test_only_people_who_may_read_articles_can_search(anon_api, customer_a_api):
    assert_error(anon_api.get(SEARCH, {"q": "where is my card"}), 401)
    assert_error(customer_a_api.get(SEARCH, {"q": "where is my card"}), 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "q"), ({"q": "   "}, "q"), ({"q": "x" * 2001}, "q"), ({"q": "card", "k": 0}, "k"), ({"q": "card", "k": 21}, "k"),
     ({"q": "card", "k": "three"}, "k"), ({"q": "card", "intent": "no_such_intent"}, "intent")],
)
def test_bad_searches_are_refused(staff_api, params, field):
    error = assert_error(staff_api.get(SEARCH, params), 400, "validation_error")
    assert error["message"].startswith(f"{field}:") and field in error["details"]


@pytest.mark.parametrize("client", ["staff_api", "integrator_api", "agent_api"])
def test_without_a_served_index_search_answers_503(request, client):
    error = assert_error(request.getfixturevalue(client).get(SEARCH, {"q": "where is my card"}), 503, "index_unavailable")
    assert "No knowledge-base index is being served" in error["message"]


def test_the_schema_describes_the_search(anon_api):
    schema = anon_api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "k", "intent"}
    assert {"200", "400", "403", "503"} <= set(operation["responses"])


def test_an_article_without_text_cannot_be_saved_in_admin(staff_web):
    response = staff_web.post("/admin/conversations/knowledgearticle/add/",
                              {"slug": "blank", "title": "Blank", "body": "   ", "url": "", "published": "on"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not KnowledgeArticle.objects.exists()


def test_the_article_list_shows_the_index_and_staff_can_rebuild_it(staff_web, staff, agent_web):
    article = KnowledgeArticleFactory(title="Card delivery")
    page = staff_web.get("/admin/conversations/knowledgearticle/").content.decode()
    assert "No index is served yet" in page and "no index yet" in page and "Rebuild the index" in page
    ModelVersion.objects.create(kind="retrieval_index", version=4, is_active=True,
                                metrics={"article_ids": [article.pk], "snapshot_at": "2000-01-01T00:00:00+00:00"})
    other = KnowledgeArticleFactory(title="Not in the index")
    page = staff_web.get("/admin/conversations/knowledgearticle/").content.decode()
    assert "index v4" in page and "v4, changed since" in page and "not indexed yet" in page
    assert other.title in page
    response = staff_web.post("/admin/conversations/knowledgearticle/rebuild-index/")
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert run.kind == "retrieval_index" and run.started_by == staff and run.parameters["force"] is True
    # Agents read articles but may not start runs.
    assert "Rebuild the index" not in agent_web.get("/admin/conversations/knowledgearticle/").content.decode()
    assert agent_web.post("/admin/conversations/knowledgearticle/rebuild-index/").status_code == 403
    assert TrainingRun.objects.count() == 1


def test_the_model_versions_page_shows_what_an_index_holds(staff_web):
    ModelVersion.objects.create(kind="retrieval_index", version=1,
                                metrics={"articles": 30, "passages": 150, "keys": 912, "index_type": "flat"})
    page = staff_web.get("/admin/training/modelversion/").content.decode()
    assert "30 articles, 150 passages, 912 example keys, flat" in page
