"""Text PostgreSQL cannot hold (NUL characters, unpaired surrogates) gets a 400, never a server error.

JSON carries both (`\\u0000`, `\\ud800`); SQLite stores them, PostgreSQL refuses them, so on
PostgreSQL a missed check is a 500. schemathesis found the first of these (tests/security).
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.models import Message, TrainingExample
from tests.factories import IntentFactory

pytestmark = pytest.mark.django_db

BAD = ["card\x00arrival", "card\ud800arrival"]


def post_json(client, url: str, body: dict):  # noqa: ANN001, ANN201
    """As a browser sends it: JSON with \\u escapes (the test client cannot encode a lone surrogate itself)."""
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def card_intent(db):
    return IntentFactory(name="card_arrival")


@pytest.mark.parametrize("bad", BAD)
def test_names_that_are_looked_up(staff_api, card_intent, bad):
    for url, body in (("/api/v1/examples/", {"intent": bad, "text": "where is my card"}),
                      ("/api/v1/articles/", {"slug": "cards", "title": "Cards", "body": "Soon.", "intents": [bad]})):
        response = post_json(staff_api, url, body)
        assert response.status_code == 400, (url, response.content)
        assert response.json()["error"]["code"] == "validation_error"
    assert not TrainingExample.objects.exists()


@pytest.mark.parametrize("bad", BAD)
def test_texts_that_are_stored(staff_api, customer_a, customer_a_api, card_intent, bad):
    assert post_json(staff_api, "/api/v1/examples/", {"intent": "card_arrival", "text": bad}).status_code == 400
    assert post_json(staff_api, "/api/v1/intents/", {"name": "x", "description": bad}).status_code == 400
    url = f"/api/v1/conversations/{customer_a.public_id}/messages/"
    assert post_json(customer_a_api, url, {"text": bad}).status_code == 400
    assert post_json(customer_a_api, url, {"text": "hello", "client_message_id": bad}).status_code == 400
    assert not Message.objects.filter(conversation=customer_a).exists()


def test_filters(staff_api, card_intent):
    # Query strings are bytes decoded with replacement characters: only NUL (%00) gets through to a filter.
    for url in ("/api/v1/examples/", "/api/v1/conversations/", "/api/v1/intents/"):
        for name in ("intent", "q", "name"):
            assert staff_api.get(url, {name: "card\x00arrival"}).status_code in (200, 400), (url, name)
    assert staff_api.get("/api/v1/examples/", {"intent": "card\x00arrival"}).status_code == 400


def test_a_csv_with_a_nul_byte_imports_nothing(staff_api, card_intent):
    upload = SimpleUploadedFile("examples.csv", b"text,label\nwhere is my\x00 card,card_arrival\n", content_type="text/csv")
    response = staff_api.post("/api/v1/examples/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["details"]["errors"] == ["line 2: NUL character"]
    assert not TrainingExample.objects.exists()


@pytest.mark.parametrize("bad", BAD)
def test_the_services_refuse_them_for_every_caller(customer_a, bad):
    """Sockets and the admin reach the services without DRF's field checks."""
    from conversations import services
    from conversations.errors import ChatError

    with pytest.raises(ChatError, match="NUL characters or unpaired surrogates"):
        services.message_text_clean(bad)
    with pytest.raises(ChatError, match="client_message_id"):
        services.customer_message_receive(conversation=customer_a, text="hello", client_message_id=bad)
    assert not Message.objects.exists()


@pytest.mark.parametrize("parameters", [{"base_model": "a\x00b"}, {"base_model": "a\ud800"}, {"x\x00": 1}, {"list": [{"deep": "\x00"}]}])
def test_training_options(staff_api, parameters):
    from training.models import TrainingRun

    response = post_json(staff_api, "/api/v1/training-runs/", {"parameters": parameters})
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error", response.content
    assert not TrainingRun.objects.exists()
