"""Credentials can be taken back: DRF tokens, users, and a customer's conversation token.

What people expect: a deleted API token or a deactivated user stops working at once; a
customer's token that staff revoke (leaked, or left on a shared computer) stops opening the
conversation, while agents and staff keep the transcript. Closing a conversation is not a
revocation: the customer may still read it and rate it.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conversations import services

pytestmark = pytest.mark.django_db


def _url(conversation, suffix: str = "") -> str:  # noqa: ANN001
    return f"/api/v1/conversations/{conversation.public_id}/{suffix}"


def test_a_deleted_api_token_stops_working(integrator_api, integrator_token):
    assert integrator_api.get("/api/v1/intents/").status_code == 200
    integrator_token.delete()
    response = integrator_api.get("/api/v1/intents/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_a_deactivated_user_is_locked_out_of_the_api(integrator_api, integrator):
    integrator.is_active = False
    integrator.save()
    assert integrator_api.get("/api/v1/intents/").status_code == 401


def test_a_new_token_works_and_the_old_one_does_not(integrator, integrator_token):
    old = integrator_token.key
    integrator_token.delete()
    new = Token.objects.create(user=integrator).key
    for key, expected in ((old, 401), (new, 200)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/intents/").status_code == expected


def test_a_revoked_conversation_token_opens_nothing(customer_a, customer_a_api, integrator_api):
    assert customer_a_api.get(_url(customer_a)).status_code == 200
    services.conversation_token_revoke(conversation=customer_a)
    for method, suffix, body in (("get", "", None), ("get", "messages/", None), ("post", "messages/", {"text": "hi"}),
                                 ("post", "rate/", {"rating": 5}), ("post", "close/", None)):
        response = getattr(customer_a_api, method)(_url(customer_a, suffix), body, format="json")
        assert response.status_code == 401, (method, suffix)
        assert response.json()["error"]["message"] == "Invalid conversation token."
    customer_a.refresh_from_db()
    assert (customer_a.status, customer_a.rating, customer_a.messages.count()) == ("with_bot", None, 0)
    # The conversation itself is kept for the people who work on it.
    assert integrator_api.get(_url(customer_a)).status_code == 200


def test_the_new_token_is_never_shown(customer_a, staff_api):
    services.conversation_token_revoke(conversation=customer_a)
    customer_a.refresh_from_db()
    for url in (_url(customer_a), _url(customer_a, "messages/"), "/api/v1/conversations/"):
        assert customer_a.access_token not in staff_api.get(url).content.decode()


def test_closing_is_not_revoking(customer_a, customer_a_api):
    assert customer_a_api.post(_url(customer_a, "close/")).status_code == 200
    assert customer_a_api.get(_url(customer_a)).json()["status"] == "closed"
    assert customer_a_api.post(_url(customer_a, "rate/"), {"rating": 5}, format="json").status_code == 200
    assert customer_a_api.post(_url(customer_a, "messages/"), {"text": "one more thing"}, format="json").status_code == 409
