"""Who may open which socket, as tables; a revoked token closes the sockets it opened.

The customer socket of conversation A takes A's token in its first frame and nothing else;
the agent socket takes a signed-in user with the reply permission (agents and staff) and
refuses everyone else at the handshake.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from conversations import services
from conversations.routing import websocket_urlpatterns
from tests.factories import UserFactory
from tests.live.conftest import (  # noqa: F401 - fixtures: the live tests' app, settings and reply workers
    ORIGIN,
    TIMEOUT,
    agent_socket,
    app_data_restored,
    application,
    customer_communicator,
    customer_socket,
    live_db,
    live_settings,
    reply_workers,
    socket_headers,
)


def socket_test(test):  # noqa: ANN001, ANN201
    """Async, on a transactional database (the consumers reach it from worker threads)."""
    for mark in (pytest.mark.asyncio, *live_db):
        test = mark(test)
    return test


# The token a browser sends in the auth frame for conversation A -> what the socket answers.
CUSTOMER_SOCKET = {
    "cust_a": "history",
    "cust_b": "forbidden",     # a valid token, of another conversation
    "old_conv": "forbidden",   # A's token after staff revoked it
    "anon": "forbidden",       # no token at all
    "garbage": "forbidden",
}

# Who holds the session cookie of the agent socket's handshake -> admitted?
AGENT_SOCKET = {
    "anon": False,
    "no_perms": False,   # signed in, no group
    "integ": False,      # integrators automate over the API; they do not answer customers
    "agent": True,
    "staff": True,
}


def _cookie(user) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@database_sync_to_async
def _token_for(role: str, customer_a, customer_b) -> str | None:  # noqa: ANN001
    if role == "old_conv":
        stale = customer_a.access_token
        services.conversation_token_revoke(conversation=customer_a)
        return stale
    return {"cust_a": customer_a.access_token, "cust_b": customer_b.access_token, "anon": None, "garbage": "x" * 43}[role]


@database_sync_to_async
def _cookie_for(role: str) -> str | None:
    from conversations import roles

    groups = {"integ": [roles.INTEGRATORS], "agent": [roles.AGENTS], "staff": [roles.STAFF], "no_perms": []}
    if role == "anon":
        return None
    return _cookie(UserFactory(username=f"socket-{role}", is_staff=role in ("agent", "staff"), groups=groups[role]))


@socket_test
@pytest.mark.parametrize(("role", "expected"), CUSTOMER_SOCKET.items())
async def test_customer_socket_matrix(application, customer_a, customer_b, role, expected):
    token = await _token_for(role, customer_a, customer_b)
    socket = customer_communicator(application, customer_a.public_id)
    try:
        assert (await socket.connect(timeout=TIMEOUT))[0]
        await socket.send_json_to({"type": "auth", **({"token": token} if token is not None else {})})
        frame = await socket.receive_json_from(timeout=TIMEOUT)
        if expected == "history":
            assert frame["type"] == "history" and frame["conversation"]["id"] == str(customer_a.public_id)
            return
        assert (frame["type"], frame["code"]) == ("error", expected)
        assert (await socket.receive_output(timeout=TIMEOUT)) == {"type": "websocket.close", "code": 4403}
    finally:
        await socket.disconnect()


@socket_test
@pytest.mark.parametrize(("role", "admitted"), AGENT_SOCKET.items())
async def test_agent_socket_matrix(application, role, admitted):
    cookie = await _cookie_for(role)
    socket = WebsocketCommunicator(application, "/ws/agent/", headers=socket_headers(ORIGIN, cookie))
    try:
        connected, code = await socket.connect(timeout=TIMEOUT)
        assert connected is admitted, code
        if admitted:
            assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "queue"
        else:
            assert code == 4403
    finally:
        await socket.disconnect()


def test_the_tables_cover_every_socket_route():
    names = {pattern.name for pattern in websocket_urlpatterns if pattern.name}
    assert names == {"ws-chat", "ws-agent"}, "a new socket route needs a table here"


@socket_test
async def test_revoking_a_token_closes_the_sockets_it_opened(application, customer_a):
    async with customer_socket(application, customer_a) as (first, _), customer_socket(application, customer_a) as (second, _):
        stale = customer_a.access_token
        await database_sync_to_async(services.conversation_token_revoke)(conversation=customer_a)
        for socket in (first, second):
            error = await socket.receive_json_from(timeout=TIMEOUT)
            assert (error["type"], error["code"]) == ("error", "token_revoked")
            assert (await socket.receive_output(timeout=TIMEOUT)) == {"type": "websocket.close", "code": 4403}
    again = customer_communicator(application, customer_a.public_id)
    try:
        assert (await again.connect(timeout=TIMEOUT))[0]
        await again.send_json_to({"type": "auth", "token": stale})
        assert (await again.receive_json_from(timeout=TIMEOUT))["code"] == "forbidden"
    finally:
        await again.disconnect()


@socket_test
async def test_an_agent_with_the_conversation_open_stays_connected_after_a_revocation(application, customer_a):
    async with agent_socket(application, await _cookie_for("agent")) as (console, _):
        await console.send_json_to({"type": "open", "conversation": str(customer_a.public_id)})
        assert (await console.receive_json_from(timeout=TIMEOUT))["type"] == "transcript"
        await database_sync_to_async(services.conversation_token_revoke)(conversation=customer_a)
        # The console hears the change as its row's update, and nothing that would close it.
        row = await console.receive_json_from(timeout=TIMEOUT)
        assert (row["type"], row["conversation"]["id"]) == ("conversation", str(customer_a.public_id))
        assert await console.receive_nothing(timeout=0.3)
        await console.send_json_to({"type": "open", "conversation": str(customer_a.public_id)})
        assert (await console.receive_json_from(timeout=TIMEOUT))["type"] == "transcript"
