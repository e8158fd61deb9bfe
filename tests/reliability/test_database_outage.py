"""The database becomes unreachable under a running web process, then comes back.

A real daphne reaches PostgreSQL through a loopback proxy that the test cuts (connections refused, open
ones dropped, as when the server is down) and restores; the shared PostgreSQL itself keeps running.
During the outage the health endpoint and the API answer 503 with a clear message, and a chat message
is refused as ``unavailable`` (not stored, so the widget sends it again); afterwards the same process
serves again without a restart and the resent message is stored once and answered once.
PostgreSQL only (DATABASE_URL); bench/drills/database_restart.py stops a real private server instead.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from bench.drills.services import http_json as call
from bench.live.customer import Customer
from bench.live.load import create_conversation, db_check
from tests.live.server import ROOT, Stack, stack
from tests.reliability.tcpproxy import TcpProxy

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                                reason="needs PostgreSQL (DATABASE_URL)")


@pytest.fixture(scope="module")
def through_proxy() -> Iterator[tuple[Stack, TcpProxy, str]]:
    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "LIVE_TOKEN_DELAY_S": "0.01"}
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp), ROOT / "test-artifacts" / "reliability", **env) as running:
        database = urlparse(running.env["DATABASE_URL"])
        proxy = TcpProxy((database.hostname or "127.0.0.1", database.port or 5432))
        port = proxy.start()
        direct = running.env["DATABASE_URL"]
        running.env["DATABASE_URL"] = urlunparse(database._replace(netloc=f"{database.username or 'postgres'}@127.0.0.1:{port}"))
        try:
            yield running, proxy, running.start("behind-proxy")
        finally:
            proxy.close()
            running.env["DATABASE_URL"] = direct  # the stack drops its database through the real address


def test_health_and_api_answer_503_while_the_database_is_down_and_recover_without_a_restart(through_proxy):
    running, proxy, base = through_proxy
    process = running.servers[base]
    assert call("GET", f"{base}/api/v1/health/")[0] == 200
    conversation = create_conversation(base)
    customer = Customer(base, conversation, name="outage", reply_timeout_s=30, retry_s=1.0)
    asyncio.run(outage_and_recovery(proxy, base, conversation, customer))
    assert process.poll() is None  # the same process throughout, never restarted
    assert customer.timings["m1"].replied
    check = db_check(running, [customer])
    assert check["ok"] and check["stored"] == 1 and check["answered"] == 1, check


async def outage_and_recovery(proxy: TcpProxy, base: str, conversation: dict, customer: Customer) -> None:
    await customer.connect()
    proxy.cut()
    try:
        status, body, _ = call("GET", f"{base}/api/v1/health/")
        assert status == 503 and body["status"] == "unavailable", body
        assert body["checks"]["database"]["ok"] is False and "database" in body["message"]
        status, body, headers = call("POST", f"{base}/api/v1/conversations/", {"channel": "widget"})
        assert status == 503, body
        assert body["error"]["code"] == "service_unavailable" and "database" in body["error"]["message"]
        assert headers.get("Retry-After") == "5"
        status, body, _ = call("GET", f"{base}/api/v1/conversations/{conversation['id']}/messages/", token=conversation["access_token"])
        assert status == 503 and body["error"]["code"] == "service_unavailable", body
        # A chat message is refused, not half-stored: the client keeps it and sends it again.
        with pytest.raises(TimeoutError):
            await customer.say("m1", "When will my card arrive?", timeout=4)
        assert customer.errors and {e["code"] for e in customer.errors} == {"unavailable"}
        assert "m1" in customer.pending
    finally:
        proxy.restore()

    deadline = time.monotonic() + 30
    while call("GET", f"{base}/api/v1/health/")[0] != 200:
        assert time.monotonic() < deadline, "the web process did not recover once the database was back"
        await asyncio.sleep(0.5)
    assert call("POST", f"{base}/api/v1/conversations/", {"channel": "widget"})[0] == 201
    await customer.say("m1", "When will my card arrive?")  # the pending message, sent again with its id
    await customer.close()
