"""Who may call what: every HTTP endpoint of the site against every role, as one table.

Columns (roles):
  anon     no credentials
  cust_a   customer A: `Conversation <token>` of the conversation the URLs name
  cust_b   customer B: a valid token of another conversation
  agent    an agent, signed in (session), as the agent console and admin use the API
  staff    staff: a DRF token, and signed in to the admin
  integ    an integrator's DRF token
  old_tok  a DRF token that was deleted (revoked in admin)
  old_conv customer A's conversation token after staff revoked it

Conversation URLs name customer A's conversation. Model versions hold no servable model, so an
activation that passes the permission check is refused with 409; no knowledge index is served,
so a search that passes it answers 503; no bias audit exists yet, so reading one answers 404.
Site pages (home, demo, console) are Django views: they see sessions, never API tokens.
"""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conversations import services
from conversations.models import Conversation
from tests.security.endpoints import CALLS, Call, served_endpoints, url_kwargs
from tests.security.matrix_parts import merged, pending

ROLES = ("anon", "cust_a", "cust_b", "agent", "staff", "integ", "old_tok", "old_conv")

# Endpoints that other work adds: rows are skipped (with the reason) until their URL resolves.
PENDING = {"knowledge-search", "model-version-audit", "model-version-audit-page"} | pending()

MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    # (URL name, method)                     anon cust_a cust_b agent staff integ old_tok old_conv
    ("health", "GET"):                         (200, 200, 200, 200, 200, 200, 200, 200),  # reads no credentials
    ("api-root", "GET"):                       (401, 200, 200, 200, 200, 200, 401, 401),
    ("schema", "GET"):                         (200, 200, 200, 200, 200, 200, 401, 401),
    ("swagger-ui", "GET"):                     (200, 200, 200, 200, 200, 200, 401, 401),
    # conversations: A's own, or a permission; B never reads or writes A's
    ("conversation-list", "GET"):              (401, 403, 403, 200, 200, 200, 401, 401),
    ("conversation-list", "POST"):             (201, 201, 201, 201, 201, 201, 401, 401),
    ("conversation-detail", "GET"):            (401, 200, 403, 200, 200, 200, 401, 401),
    ("conversation-messages", "GET"):          (401, 200, 403, 200, 200, 200, 401, 401),
    ("conversation-messages", "POST"):         (401, 201, 403, 403, 403, 201, 401, 401),
    ("conversation-close", "POST"):            (401, 200, 403, 403, 200, 200, 401, 401),
    ("conversation-rate", "POST"):             (401, 200, 403, 403, 200, 200, 401, 401),
    ("conversation-forget", "POST"):           (401, 204, 403, 403, 204, 204, 401, 401),
    # content: agents read, staff and integrators manage
    ("intent-list", "GET"):                    (401, 403, 403, 200, 200, 200, 401, 401),
    ("intent-list", "POST"):                   (401, 403, 403, 403, 201, 201, 401, 401),
    ("intent-detail", "GET"):                  (401, 403, 403, 200, 200, 200, 401, 401),
    ("intent-detail", "PUT"):                  (401, 403, 403, 403, 200, 200, 401, 401),
    ("intent-detail", "PATCH"):                (401, 403, 403, 403, 200, 200, 401, 401),
    ("intent-detail", "DELETE"):               (401, 403, 403, 403, 204, 204, 401, 401),
    ("example-list", "GET"):                   (401, 403, 403, 200, 200, 200, 401, 401),
    ("example-list", "POST"):                  (401, 403, 403, 403, 201, 201, 401, 401),
    ("example-detail", "GET"):                 (401, 403, 403, 200, 200, 200, 401, 401),
    ("example-detail", "PUT"):                 (401, 403, 403, 403, 200, 200, 401, 401),
    ("example-detail", "PATCH"):               (401, 403, 403, 403, 200, 200, 401, 401),
    ("example-detail", "DELETE"):              (401, 403, 403, 403, 204, 204, 401, 401),
    ("example-import", "POST"):                (401, 403, 403, 403, 201, 201, 401, 401),
    ("article-list", "GET"):                   (401, 403, 403, 200, 200, 200, 401, 401),
    ("article-list", "POST"):                  (401, 403, 403, 403, 201, 201, 401, 401),
    ("article-detail", "GET"):                 (401, 403, 403, 200, 200, 200, 401, 401),
    ("article-detail", "PUT"):                 (401, 403, 403, 403, 200, 200, 401, 401),
    ("article-detail", "PATCH"):               (401, 403, 403, 403, 200, 200, 401, 401),
    ("article-detail", "DELETE"):              (401, 403, 403, 403, 204, 204, 401, 401),
    ("knowledge-search", "GET"):               (401, 403, 403, 503, 503, 503, 401, 401),
    # training: agents can neither train nor activate nor roll back; integrators train but never activate
    ("training-run-list", "GET"):              (401, 403, 403, 403, 200, 200, 401, 401),
    ("training-run-list", "POST"):             (401, 403, 403, 403, 202, 202, 401, 401),
    ("training-run-detail", "GET"):            (401, 403, 403, 403, 200, 200, 401, 401),
    ("model-version-list", "GET"):             (401, 403, 403, 403, 200, 200, 401, 401),
    ("model-version-detail", "GET"):           (401, 403, 403, 403, 200, 200, 401, 401),
    ("model-version-activate", "POST"):        (401, 403, 403, 403, 409, 403, 401, 401),
    ("model-version-rollback", "POST"):        (401, 403, 403, 403, 409, 403, 401, 401),
    ("model-version-report", "GET"):           (401, 403, 403, 403, 200, 200, 401, 401),
    ("model-version-report-image", "GET"):     (401, 403, 403, 403, 200, 200, 401, 401),
    ("model-version-audit", "GET"):            (401, 403, 403, 403, 404, 404, 401, 401),
    ("model-version-audit", "POST"):           (401, 403, 403, 403, 202, 202, 401, 401),
    ("model-version-audit-page", "GET"):       (401, 403, 403, 403, 404, 404, 401, 401),
    # site pages: the console needs a signed-in agent (or staff); sign-in sends the signed-in on
    ("home", "GET"):                           (200, 200, 200, 200, 200, 200, 200, 200),
    ("widget-demo", "GET"):                    (200, 200, 200, 200, 200, 200, 200, 200),
    ("console", "GET"):                        (302, 302, 302, 200, 200, 302, 302, 302),
    ("console-login", "GET"):                  (200, 200, 200, 302, 302, 200, 200, 200),
    ("console-login", "POST"):                 (200, 200, 200, 302, 302, 200, 200, 200),
    ("console-login", "PUT"):                  (200, 200, 200, 302, 302, 200, 200, 200),
    ("console-logout", "POST"):                (302, 302, 302, 302, 302, 302, 302, 302),
}
_ADDED = merged("ROWS")  # rows from tests/security/matrix_parts/
assert not set(_ADDED) & set(MATRIX), f"rows declared twice: {sorted(set(_ADDED) & set(MATRIX))}"
MATRIX.update(_ADDED)

CELLS = [pytest.param(name, method, role, expected, id=f"{method} {name} as {role}")
         for (name, method), row in MATRIX.items() for role, expected in zip(ROLES, row, strict=True)]


def _client(role: str, world, request) -> APIClient:  # noqa: ANN001
    client = APIClient()
    if role in ("cust_a", "cust_b", "old_conv"):
        conversation = world.conversation if role != "cust_b" else request.getfixturevalue("customer_b")
        if role == "old_conv":
            stale = conversation.access_token
            services.conversation_token_revoke(conversation=conversation)
            assert Conversation.objects.get(pk=conversation.pk).access_token != stale
            client.credentials(HTTP_AUTHORIZATION=f"Conversation {stale}")
        else:
            client.credentials(HTTP_AUTHORIZATION=f"Conversation {conversation.access_token}")
    elif role == "agent":
        client.force_login(request.getfixturevalue("agent"))
    elif role == "staff":
        client.credentials(HTTP_AUTHORIZATION=f"Token {request.getfixturevalue('staff_token').key}")
        client.force_login(request.getfixturevalue("staff"))
    elif role == "integ":
        client.credentials(HTTP_AUTHORIZATION=f"Token {request.getfixturevalue('integrator_token').key}")
    elif role == "old_tok":
        token = Token.objects.create(user=request.getfixturevalue("integrator"))
        key = token.key
        token.delete()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _call(client: APIClient, name: str, method: str, world) -> object:  # noqa: ANN001
    call = CALLS.get(name, Call())
    url = reverse(name, kwargs=url_kwargs(call, world.ids()))
    body = call.bodies.get(method)
    body = body() if callable(body) else body
    if method == "GET":
        return client.get(url, body)
    if call.multipart:
        return client.generic(method, url, **_multipart(client, body))
    return getattr(client, method.lower())(url, body, format="json")


def _multipart(client: APIClient, body: object) -> dict:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return {"data": encode_multipart(BOUNDARY, {"file": body}), "content_type": MULTIPART_CONTENT}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), CELLS)
def test_access_matrix(name, method, role, expected, world, request):
    try:
        reverse(name, kwargs=url_kwargs(CALLS.get(name, Call()), world.ids()))
    except NoReverseMatch:
        if name in PENDING:
            pytest.skip(f"{name} is not served yet (added by other work)")
        raise
    response = _call(_client(role, world, request), name, method, world)
    assert response.status_code == expected, getattr(response, "content", b"")[:500]
    if response.status_code in (401, 403) and name not in {"home", "widget-demo"} and response.get("Content-Type") == "application/json":
        assert set(response.json()) == {"error"}  # the error envelope, never a partial body


def test_the_matrix_covers_every_endpoint():
    """A new URL (or a new method on one) needs a row here before the suite passes."""
    served = served_endpoints()
    missing = sorted(served - set(MATRIX))
    assert not missing, f"endpoints without a row in the access matrix: {missing}"
    stale = sorted(set(MATRIX) - served - {key for key in MATRIX if key[0] in PENDING})
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


@pytest.mark.django_db
def test_customer_b_learns_nothing_about_a(world, customer_b_api):
    """The 403s of B on A's conversation carry no transcript, status or token of A's."""
    conversation = world.conversation
    for suffix in ("", "messages/"):
        response = customer_b_api.get(f"/api/v1/conversations/{conversation.public_id}/{suffix}")
        assert response.status_code == 403
        assert b"where is my card" not in response.content and conversation.access_token.encode() not in response.content
    posted = customer_b_api.post(f"/api/v1/conversations/{conversation.public_id}/messages/", {"text": "hi"}, format="json")
    closed = customer_b_api.post(f"/api/v1/conversations/{conversation.public_id}/close/")
    rated = customer_b_api.post(f"/api/v1/conversations/{conversation.public_id}/rate/", {"rating": 1}, format="json")
    assert (posted.status_code, closed.status_code, rated.status_code) == (403, 403, 403)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.rating, conversation.messages.count()) == ("with_bot", None, 1)
