"""The public health endpoint names no host or port, and a silent database fails fast (connect_timeout).

A loopback listener that accepts connections and never answers stands for a database host that
dropped off the network: without a connect timeout a request would wait for the kernel (minutes).
These run in a fresh interpreter (settings are read at import) and need no PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.chatbot.subprocess_django import django_json


@pytest.fixture
def silent_server() -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])  # held open, never answered

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        for sock in accepted:
            sock.close()
        listener.close()


def test_postgres_connections_carry_a_connect_timeout(tmp_path):
    code = "from django.conf import settings\nprint(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    env = {"DATABASE_URL": "postgres://someone@db.internal:5432/chat"}
    assert django_json(code, env=env, var_dir=tmp_path)["connect_timeout"] == 5
    assert django_json(code, env={**env, "DATABASE_CONNECT_TIMEOUT_S": "2"}, var_dir=tmp_path)["connect_timeout"] == 2
    # The URL's own setting wins.
    own = {"DATABASE_URL": "postgres://someone@db.internal:5432/chat?connect_timeout=9"}
    assert int(django_json(code, env=own, var_dir=tmp_path)["connect_timeout"]) == 9


def test_a_silent_database_fails_health_fast_and_the_body_names_no_host_or_port(tmp_path, silent_server):
    code = (
        "import time\n"
        "from django.test import Client\n"
        "t = time.monotonic()\n"
        "r = Client().get('/api/v1/health/')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.content.decode(), 'seconds': time.monotonic() - t}))"
    )
    env = {"DATABASE_URL": f"postgres://secretuser:pw@127.0.0.1:{silent_server}/secretdb", "DATABASE_CONNECT_TIMEOUT_S": "2"}
    result = django_json(code, env=env, var_dir=tmp_path)
    assert result["status"] == 503
    body = result["body"]
    assert '"database"' in body and "timed out" in body
    for secret in ("127.0.0.1", str(silent_server), "secretuser", "secretdb", "pw@"):
        assert secret not in body, body
    # One timed-out connection attempt (and Django's retry of it), not the kernel's minutes.
    assert result["seconds"] < 20


def test_public_error_keeps_the_kind_and_drops_the_message():
    from chatbot.health import public_error

    message = public_error(OSError('connection to server at "10.1.2.3", port 5432 failed: Connection refused'))
    assert message.startswith("OSError") and "10.1.2.3" not in message and "5432" not in message
    assert public_error(TimeoutError("db.internal:5432")) == "TimeoutError: timed out"
