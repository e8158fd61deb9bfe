"""Property-based API tests: schemathesis against the project's own OpenAPI schema, in process.

For every operation in /api/schema/ and every role that reaches it, generated requests must
never cause a server error, and every answer must be documented in the schema: its status
code, content type and body. Requests go through Django's WSGI handler in this thread, so the
test database and its fixtures are what the API sees. Half the examples use the ids of real
rows instead of generated ones, so that the success paths run as well as the 404s.
"""

from __future__ import annotations

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance


def not_a_server_error_but_a_documented_503(ctx, response, case):  # noqa: ANN001, ANN201
    """503 is an answer where the operation documents it (health: a part is down; search: no index served)."""
    if response.status_code == 503 and "503" in case.operation.definition.raw.get("responses", {}):
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [not_a_server_error_but_a_documented_503, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA_URL = "/api/schema/?format=json"
EXAMPLES = {"staff": 25, "customer": 25, "anonymous": 5}
# Which fixture row a path's `{id}` names, by the path's first segment.
ID_OWNERS = {"intents": "intent", "examples": "example", "articles": "article", "training-runs": "run", "model-versions": "version"}


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted((method.upper(), path) for path, item in schema["paths"].items() for method in item)


def _cases() -> list:
    cases = []
    for method, path in _operations():
        roles = ["staff", "anonymous"]
        if "{public_id}" in path or (method, path) == ("POST", "/api/v1/conversations/"):
            roles.append("customer")
        cases += [pytest.param(method, path, role, id=f"{method} {path} as {role}") for role in roles]
    return cases


@pytest.fixture(scope="module")
def served_schema() -> dict:
    """The schema as /api/schema/ serves it (generating it takes a while: once per module)."""
    from django.test import Client

    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def _real_ids(path: str, world) -> dict[str, object]:  # noqa: ANN001
    ids = world.ids()
    owner = ID_OWNERS.get(path.removeprefix("/api/v1/").split("/")[0])
    real = {"public_id": ids["conversation"]}
    if owner:
        real["id"] = ids[owner]
    return real


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "role"), _cases())
def test_every_answer_is_documented_and_none_is_a_server_error(method, path, role, served_schema, world, wsgi_app, staff_token):
    operation = schemathesis.openapi.from_dict(served_schema)[path][method]
    headers = {"staff": {"Authorization": f"Token {staff_token.key}"},
               "customer": {"Authorization": f"Conversation {world.conversation.access_token}"},
               "anonymous": {}}[role]
    real_ids = _real_ids(path, world)

    @given(case=operation.as_strategy(), use_real_ids=st.booleans())
    @settings(max_examples=EXAMPLES[role], derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
    def check(case, use_real_ids: bool) -> None:  # noqa: ANN001
        if use_real_ids or role == "customer":
            for name in case.path_parameters or {}:
                if name in real_ids:
                    case.path_parameters[name] = str(real_ids[name])
        case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)

    check()


def test_every_operation_is_exercised():
    """The parametrization follows the schema: an operation added to the API is fuzzed without a change here."""
    labels = {(m, p) for m, p, _ in (c.values for c in _cases())}
    assert labels == set(_operations())
    assert ("POST", "/api/v1/conversations/{public_id}/messages/") in labels
