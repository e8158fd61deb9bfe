"""REST API: knowledge articles, intents and examples (CRUD), the OpenAPI schema, docs and health."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from conversations.models import Intent, KnowledgeArticle, TrainingExample
from tests.conversations.test_api_conversations import assert_error
from tests.factories import IntentFactory, KnowledgeArticleFactory, TrainingExampleFactory

pytestmark = pytest.mark.django_db


# --- intents ------------------------------------------------------------------------------------------


class TestIntents:
    def test_crud(self, integrator_api):
        created = integrator_api.post("/api/v1/intents/", {"name": "card_arrival", "description": "Where is my card"}, format="json")
        assert created.status_code == 201
        body = created.json()
        assert body["name"] == "card_arrival" and body["requests_human"] is False and body["example_count"] == 0
        item = f"/api/v1/intents/{body['id']}/"
        TrainingExampleFactory.create_batch(3, intent=Intent.objects.get(pk=body["id"]))
        assert integrator_api.get(item).json()["example_count"] == 3
        patched = integrator_api.patch(item, {"requests_human": True}, format="json")
        assert patched.status_code == 200 and patched.json()["requests_human"] is True
        put = integrator_api.put(item, {"name": "card_delivery", "description": "renamed"}, format="json")
        assert put.status_code == 200 and Intent.objects.get().name == "card_delivery"
        assert integrator_api.delete(item).status_code == 204
        assert not Intent.objects.exists() and not TrainingExample.objects.exists()

    def test_list_filter_and_order(self, staff_api):
        IntentFactory(name="zeta")
        IntentFactory(name="alpha", requests_human=True)
        body = staff_api.get("/api/v1/intents/").json()
        assert [i["name"] for i in body["results"]] == ["alpha", "zeta"] and body["count"] == 2
        assert [i["name"] for i in staff_api.get("/api/v1/intents/?requests_human=true").json()["results"]] == ["alpha"]

    @pytest.mark.parametrize("name", ["", "Has Spaces", "ümlaut", "x" * 101])
    def test_bad_names(self, integrator_api, name):
        assert_error(integrator_api.post("/api/v1/intents/", {"name": name}, format="json"), 400, "validation_error")
        assert not Intent.objects.exists()

    def test_duplicate_name(self, integrator_api):
        IntentFactory(name="card_arrival")
        error = assert_error(integrator_api.post("/api/v1/intents/", {"name": "card_arrival"}, format="json"), 400)
        assert "name" in error["details"]

    def test_unknown_id(self, integrator_api):
        assert_error(integrator_api.get("/api/v1/intents/999999/"), 404, "not_found")
        assert_error(integrator_api.get("/api/v1/intents/abc/"), 404, "not_found")
        assert_error(integrator_api.delete("/api/v1/intents/999999/"), 404, "not_found")

    def test_agents_read_but_do_not_write(self, agent_api):
        intent = IntentFactory(name="card_arrival")
        assert agent_api.get("/api/v1/intents/").status_code == 200
        assert agent_api.get(f"/api/v1/intents/{intent.pk}/").status_code == 200
        assert_error(agent_api.post("/api/v1/intents/", {"name": "new_one"}, format="json"), 403, "permission_denied")
        assert_error(agent_api.patch(f"/api/v1/intents/{intent.pk}/", {"description": "x"}, format="json"), 403)
        assert_error(agent_api.delete(f"/api/v1/intents/{intent.pk}/"), 403)
        assert list(Intent.objects.values_list("name", "description")) == [("card_arrival", intent.description)]

    def test_anonymous(self, anon_api):
        assert_error(anon_api.get("/api/v1/intents/"), 401)


# --- examples -----------------------------------------------------------------------------------------


class TestExamples:
    def test_crud(self, integrator_api, integrator):
        IntentFactory(name="card_arrival")
        IntentFactory(name="card_declined")
        created = integrator_api.post("/api/v1/examples/", {"intent": "card_arrival", "text": "  where is my card  "}, format="json")
        assert created.status_code == 201
        body = created.json()
        assert body["intent"] == "card_arrival" and body["text"] == "where is my card" and body["source"] == "import"
        example = TrainingExample.objects.get()
        assert example.created_by == integrator
        item = f"/api/v1/examples/{body['id']}/"
        assert integrator_api.patch(item, {"intent": "card_declined"}, format="json").json()["intent"] == "card_declined"
        # Source is decided by the platform, not the client.
        assert integrator_api.patch(item, {"source": "seed"}, format="json").json()["source"] == "import"
        assert integrator_api.delete(item).status_code == 204
        assert not TrainingExample.objects.exists()

    def test_filter_by_intent_and_source(self, staff_api):
        card, loan = IntentFactory(name="card_arrival"), IntentFactory(name="loan_application")
        TrainingExampleFactory(intent=card, text="a")
        TrainingExampleFactory(intent=card, text="b", source=TrainingExample.Source.AGENT_CORRECTION)
        TrainingExampleFactory(intent=loan, text="c")
        texts = lambda q: sorted(e["text"] for e in staff_api.get(f"/api/v1/examples/?{q}").json()["results"])  # noqa: E731
        assert texts("intent=card_arrival") == ["a", "b"]
        assert texts("source=agent_correction") == ["b"]
        assert texts("intent=loan_application&source=seed") == ["c"]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"intent": "no_such_intent", "text": "hi"}, "intent"), ({"intent": "card_arrival", "text": "   "}, "text"),
         ({"intent": "card_arrival"}, "text")],
    )
    def test_bad_examples(self, integrator_api, payload, field):
        IntentFactory(name="card_arrival")
        error = assert_error(integrator_api.post("/api/v1/examples/", payload, format="json"), 400, "validation_error")
        assert field in error["details"]
        assert not TrainingExample.objects.exists()

    def test_duplicate_example(self, integrator_api):
        TrainingExampleFactory(intent=IntentFactory(name="card_arrival"), text="where is my card")
        assert_error(integrator_api.post("/api/v1/examples/", {"intent": "card_arrival", "text": "where is my card"}, format="json"), 400)
        assert TrainingExample.objects.count() == 1

    def test_agents_cannot_add(self, agent_api):
        IntentFactory(name="card_arrival")
        assert_error(agent_api.post("/api/v1/examples/", {"intent": "card_arrival", "text": "hi"}, format="json"), 403)


# --- knowledge articles -------------------------------------------------------------------------------


class TestArticles:
    def test_crud(self, staff_api):
        IntentFactory(name="card_arrival")
        payload = {"slug": "card-delivery", "title": "Card delivery", "body": "Cards arrive in 3-5 working days.",
                   "url": "https://help.kestrel-bank.example/card-delivery", "intents": ["card_arrival"]}
        created = staff_api.post("/api/v1/articles/", payload, format="json")
        assert created.status_code == 201
        body = created.json()
        assert body["intents"] == ["card_arrival"] and body["published"] is True
        item = f"/api/v1/articles/{body['id']}/"
        assert staff_api.get(item).json()["title"] == "Card delivery"
        assert staff_api.patch(item, {"published": False, "intents": []}, format="json").json()["intents"] == []
        assert staff_api.get("/api/v1/articles/?published=false").json()["count"] == 1
        assert staff_api.get("/api/v1/articles/?published=true").json()["count"] == 0
        assert staff_api.delete(item).status_code == 204
        assert not KnowledgeArticle.objects.exists()

    @pytest.mark.parametrize(
        ("change", "field"),
        [({"body": "   "}, "body"), ({"slug": "not a slug"}, "slug"), ({"url": "not-a-url"}, "url"),
         ({"intents": ["missing_intent"]}, "intents"), ({"title": ""}, "title")],
    )
    def test_bad_articles(self, staff_api, change, field):
        payload = {"slug": "ok", "title": "Ok", "body": "Some text.", **change}
        error = assert_error(staff_api.post("/api/v1/articles/", payload, format="json"), 400, "validation_error")
        assert field in error["details"]
        assert not KnowledgeArticle.objects.exists()

    def test_duplicate_slug(self, staff_api):
        KnowledgeArticleFactory(slug="card-delivery")
        assert_error(staff_api.post("/api/v1/articles/", {"slug": "card-delivery", "title": "t", "body": "b"}, format="json"), 400)

    def test_permissions(self, agent_api, customer_a_api, anon_api):
        article = KnowledgeArticleFactory()
        assert agent_api.get(f"/api/v1/articles/{article.pk}/").status_code == 200
        assert_error(agent_api.delete(f"/api/v1/articles/{article.pk}/"), 403)
        assert_error(customer_a_api.get("/api/v1/articles/"), 403)
        assert_error(anon_api.get("/api/v1/articles/"), 401)
        assert KnowledgeArticle.objects.filter(pk=article.pk).exists()


# --- schema, docs, health -----------------------------------------------------------------------------


def _api_routes() -> set[str]:
    """Every route under /api/v1/ as the OpenAPI path it should appear under."""
    routes: set[str] = set()

    def walk(patterns, prefix: str) -> None:  # noqa: ANN001
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                routes.add(prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "/")
    api = set()
    for route in routes:
        # Router regexes and path converters become OpenAPI path parameters.
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "{id}" if m[1] == "pk" else f"{{{m[1]}}}", route)
        route = route.replace("^", "").replace("$", "").replace("\\.", ".")
        # drf-spectacular names a model's primary key `id`, however the route spells it.
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m[1] == "pk" else f"{{{m[1]}}}", route)
        if route.startswith("/api/v1/") and "format" not in route and route != "/api/v1/":  # not the router's index
            api.add(route)
    return api


def test_schema_lists_every_endpoint(anon_api):
    response = anon_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    expected = _api_routes()
    assert len(expected) >= 13
    assert expected == set(paths)
    methods = {path: set(ops) & {"get", "post", "put", "patch", "delete"} for path, ops in paths.items()}
    assert methods["/api/v1/conversations/"] == {"get", "post"}
    assert methods["/api/v1/conversations/{public_id}/messages/"] == {"get", "post"}
    assert methods["/api/v1/examples/import/"] == {"post"}
    assert methods["/api/v1/articles/{id}/"] == {"get", "put", "patch", "delete"}
    schemes = schema["components"]["securitySchemes"]
    assert {"tokenAuth", "conversationToken"} <= set(schemes)
    # Starting a conversation needs no credentials.
    assert "security" not in schema
    assert paths["/api/v1/conversations/"]["post"].get("security") in (None, [], [{}])
    assert {"tokenAuth": []} in paths["/api/v1/conversations/"]["get"]["security"]
    assert {"conversationToken": []} in paths["/api/v1/conversations/{public_id}/messages/"]["post"]["security"]


def test_schema_default_format_and_docs(anon_api):
    assert anon_api.get("/api/schema/").status_code == 200
    docs = anon_api.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode().lower() and "/api/schema/" in docs.content.decode()


def test_health(anon_api):
    from training.models import ModelVersion

    ModelVersion.objects.create(kind="intent", version=3, is_active=True)
    ModelVersion.objects.create(kind="intent", version=2, is_active=False)
    response = anon_api.get("/api/v1/health/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert all(body["checks"][name]["ok"] for name in ("database", "broker", "channel_layer", "models"))
    assert body["checks"]["models"]["active"] == {"intent": 3}
