"""The admin's training and model-version pages and actions, per role; CSRF on every admin write.

Roles sign in with a session, as people do in the admin. Integrators are not staff users, so
the admin sends them to its sign-in page like anonymous visitors.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from conversations.models import Conversation
from training.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db

ROLES = ("anon", "agent", "staff", "integ")
LOGIN = 302  # redirected to the admin's sign-in page

RUNS = "/admin/training/trainingrun/"
VERSIONS = "/admin/training/modelversion/"
CONVERSATIONS = "/admin/conversations/conversation/"


def _action(name: str) -> dict:
    """An admin action on the world's row of that changelist (filled in by _form)."""
    return {"action": name, "_selected_action": None}


# (what, method, path, form,                                      anon   agent staff  integ)
ADMIN_MATRIX = [
    ("admin index", "GET", "/admin/", None,                          (LOGIN, 200, 200, LOGIN)),
    ("training runs", "GET", RUNS, None,                             (LOGIN, 403, 200, LOGIN)),
    ("start training", "POST", RUNS + "start/", {"epochs": "1"},     (LOGIN, 403, 302, LOGIN)),
    ("model versions", "GET", VERSIONS, None,                        (LOGIN, 403, 200, LOGIN)),
    ("activate a version", "POST", VERSIONS, _action("activate"),    (LOGIN, 403, 302, LOGIN)),
    ("roll back", "POST", VERSIONS, _action("rollback"),             (LOGIN, 403, 302, LOGIN)),
    ("evaluation report", "GET", VERSIONS + "{version}/report/", None, (LOGIN, 403, 200, LOGIN)),
    # Agents may list conversations but not run the revoke action: Django redirects back with
    # "No action selected." and the token stays (the test checks that nothing changed).
    ("revoke a customer token", "POST", CONVERSATIONS, _action("revoke_access_tokens"), (LOGIN, 302, 302, LOGIN)),
]

CELLS = [pytest.param(what, method, path, form, role, expected, id=f"{what} as {role}")
         for what, method, path, form, row in ADMIN_MATRIX for role, expected in zip(ROLES, row, strict=True)]


def _web(role: str, request) -> Client:  # noqa: ANN001
    client = Client()
    if role != "anon":
        client.force_login(request.getfixturevalue({"agent": "agent", "staff": "staff", "integ": "integrator"}[role]))
    return client


def _form(form: dict | None, path: str, world) -> dict | None:  # noqa: ANN001
    if form is None or "_selected_action" not in form:
        return form
    selected = world.conversation.pk if path == CONVERSATIONS else world.version.pk
    return {**form, "_selected_action": [selected]}


@pytest.mark.parametrize(("what", "method", "path", "form", "role", "expected"), CELLS)
def test_admin_matrix(what, method, path, form, role, expected, world, request):
    token, runs = world.conversation.access_token, TrainingRun.objects.count()
    client = _web(role, request)
    url = path.format(version=world.version.pk)
    response = client.get(url) if method == "GET" else client.post(url, _form(form, path, world))
    assert response.status_code == expected
    if expected == LOGIN and role in ("anon", "integ"):
        assert response["Location"].startswith("/admin/login/")
    # Nothing changed unless staff did it.
    if role != "staff":
        assert TrainingRun.objects.count() == runs
        assert Conversation.objects.get(pk=world.conversation.pk).access_token == token
        assert not ModelVersion.objects.filter(is_active=True).exists()


def test_staff_actions_took_effect(world, staff_web):
    staff_web.post(RUNS + "start/", {"epochs": "1"})
    assert TrainingRun.objects.filter(started_by__username="sam.staff").count() == 1
    old = world.conversation.access_token
    staff_web.post(CONVERSATIONS, {"action": "revoke_access_tokens", "_selected_action": [world.conversation.pk]})
    assert Conversation.objects.get(pk=world.conversation.pk).access_token != old


# --- CSRF --------------------------------------------------------------------------------------------


@pytest.fixture
def strict_staff(staff) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    return client


def _csrf(client: Client, page: str) -> str:
    assert client.get(page).status_code == 200
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize(("page", "path", "form"), [
    (RUNS, RUNS + "start/", {"epochs": "1"}),
    (VERSIONS, VERSIONS, _action("activate")),
    (CONVERSATIONS, CONVERSATIONS, _action("revoke_access_tokens")),
])
def test_admin_writes_need_the_csrf_token(strict_staff, world, page, path, form):
    form = _form(form, path, world)
    token, runs = world.conversation.access_token, TrainingRun.objects.count()
    refused = strict_staff.post(path, form)
    assert refused.status_code == 403 and b"CSRF" in refused.content
    assert (TrainingRun.objects.count(), Conversation.objects.get(pk=world.conversation.pk).access_token) == (runs, token)
    accepted = strict_staff.post(path, {**form, "csrfmiddlewaretoken": _csrf(strict_staff, page)})
    assert accepted.status_code == 302


def test_a_session_needs_the_csrf_token_for_api_writes_too(staff):
    """A token-less browser session could otherwise be driven by another site."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)
    refused = client.post("/api/v1/intents/", {"name": "csrf_probe"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    token = _csrf(client, "/admin/")
    assert client.post("/api/v1/intents/", {"name": "csrf_probe"}, format="json", HTTP_X_CSRFTOKEN=token).status_code == 201


def test_api_tokens_need_no_csrf_token(staff_token):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {staff_token.key}")
    assert client.post("/api/v1/intents/", {"name": "from_a_script"}, format="json").status_code == 201


def test_signing_out_of_the_console_needs_the_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post("/console/logout/").status_code == 403
    assert "_auth_user_id" in client.session
