"""Shared fixtures: a client and a user for every role the platform knows.

Roles (see conversations.roles): anonymous visitors, customers holding a conversation token,
agents, staff, integrators (API tokens) and superusers. The groups come from roles_sync(),
which runs after migrate; the user fixtures fetch them and fail loudly if they are missing.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conversations import roles
from conversations.models import Conversation
from tests.factories import ConversationFactory, UserFactory
from tests.responder_fixtures import *  # noqa: F403 - session fixtures of a trained responder


def cache_clear() -> None:
    """Empty the cache. With Redis only the cache's own keys: the broker and channel layer share the database."""
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:
        cache.clear()
        return
    redis = client(write=True)
    for key in redis.scan_iter(match=cache.make_key("*")):
        redis.delete(key)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters live in the cache: one test's requests must not count against the next.
    cache_clear()
    yield
    cache_clear()


def _api_client(authorization: str | None = None) -> APIClient:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


def _web_client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


# --- users -------------------------------------------------------------------------------------------


@pytest.fixture
def agent(db):
    return UserFactory(username="alice.agent", first_name="Alice", is_staff=True, groups=[roles.AGENTS])


@pytest.fixture
def staff(db):
    return UserFactory(username="sam.staff", first_name="Sam", is_staff=True, groups=[roles.STAFF])


@pytest.fixture
def integrator(db):
    return UserFactory(username="ivy.integrator", groups=[roles.INTEGRATORS])


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def integrator_token(integrator) -> Token:
    return Token.objects.create(user=integrator)


@pytest.fixture
def staff_token(staff) -> Token:
    return Token.objects.create(user=staff)


# --- customers: a conversation and its access token ----------------------------------------------------


@pytest.fixture
def customer_a(db) -> Conversation:
    return ConversationFactory()


@pytest.fixture
def customer_b(db) -> Conversation:
    return ConversationFactory()


# --- API clients --------------------------------------------------------------------------------------


@pytest.fixture
def anon_api() -> APIClient:
    return _api_client()


@pytest.fixture
def customer_a_api(customer_a) -> APIClient:
    return _api_client(f"Conversation {customer_a.access_token}")


@pytest.fixture
def customer_b_api(customer_b) -> APIClient:
    return _api_client(f"Conversation {customer_b.access_token}")


@pytest.fixture
def integrator_api(integrator_token) -> APIClient:
    return _api_client(f"Token {integrator_token.key}")


@pytest.fixture
def staff_api(staff_token) -> APIClient:
    return _api_client(f"Token {staff_token.key}")


@pytest.fixture
def agent_api(agent) -> APIClient:
    # Agents work in the admin: the API sees them through their session.
    client = APIClient()
    client.force_login(agent)
    return client


# --- admin (browser) clients --------------------------------------------------------------------------


@pytest.fixture
def agent_web(agent) -> Client:
    return _web_client(agent)


@pytest.fixture
def staff_web(staff) -> Client:
    return _web_client(staff)


@pytest.fixture
def superuser_web(superuser) -> Client:
    return _web_client(superuser)
