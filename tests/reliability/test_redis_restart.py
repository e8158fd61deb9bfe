"""Redis, the channel layer, is killed and restarted while customers talk: nothing lost, nothing answered twice.

A private redis-server on a port of its own (the shared one is never touched); the drill itself is
bench/drills/redis_restart.py, run here smaller. Each customer behaves like the widget: it reconnects
with back-off, reads history and resends what was not acknowledged.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest

from bench.drills.redis_restart import client_view, drill
from bench.drills.services import private_redis
from bench.live.load import db_check
from tests.live.server import ROOT, stack

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs the redis-server binary")


def test_customers_reconnect_and_resend_across_a_redis_restart(monkeypatch):
    args = argparse.Namespace(conversations=6, messages=4, at=1.0, down=2.0, reply_timeout=90.0)
    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "LIVE_TOKEN_DELAY_S": "0.1"}
    with tempfile.TemporaryDirectory() as tmp, private_redis(Path(tmp)) as redis:
        monkeypatch.setenv("REDIS_URL", redis.url)
        with stack(Path(tmp), ROOT / "test-artifacts" / "reliability", **env) as running:
            bases = [running.start("redis-a"), running.start("redis-b")]
            customers, failures, _ = asyncio.run(drill(bases, redis, args))
            database = db_check(running, customers)
    client = client_view(customers, failures)
    assert not failures, client["failures"]
    assert client["customers_that_reconnected"] > 0  # the restart did cut the sockets
    assert client["acknowledged"] == client["messages_sent"] == 6 * 4 and client["left_unacknowledged"] == 0
    assert client["replied"] == 6 * 4 and client["answered_twice_seen"] == 0
    assert database["ok"] and database["stored"] == database["answered"] == 6 * 4, database
