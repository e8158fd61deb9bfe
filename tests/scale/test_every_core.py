"""Every core used: chatbot.serve runs several daphne workers on one port over the Redis channel layer,
refuses several without Redis, and a worker killed under load is replaced while the other
conversations go on; the killed worker's customers reconnect, resend and are answered once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from bench.live.customer import Customer
from bench.live.load import create_conversation, db_check
from chatbot.serve import refusal
from tests.live.server import ROOT, Stack, free_port, stack


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
        return url
    return os.environ.get("REDIS_URL")


def test_several_workers_without_redis_are_refused_with_a_reason(tmp_path):
    assert "REDIS_URL" in (refusal(2, {}) or "") and "in-memory channel layer" in (refusal(2, {}) or "")
    assert refusal(1, {}) is None and refusal(4, {"REDIS_URL": "redis://r:6379/0"}) is None
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"CHATBOT_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "chatbot.serve", "--workers", "2", "--port", str(free_port())],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Refusing to start 2 web workers without REDIS_URL" in result.stderr


@pytest.fixture
def two_workers(tmp_path, monkeypatch) -> Iterator[tuple[Stack, str, subprocess.Popen]]:
    url = _redis_url()
    if url is None:
        pytest.skip("needs Redis on loopback (REDIS_URL)")
    monkeypatch.setenv("REDIS_URL", url)
    env = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "LIVE_TOKEN_DELAY_S": "0.05"}
    with stack(tmp_path, ROOT / "var" / "test-live", **env) as running:
        port = free_port()
        log = open(running.log_dir / "serve.log", "w")
        server = subprocess.Popen([sys.executable, "-m", "chatbot.serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
                                  cwd=ROOT, env=running.env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None and time.monotonic() < deadline, Path(log.name).read_text()[-2000:]
                with contextlib.suppress(OSError):
                    with urllib.request.urlopen(f"{base}/demo/", timeout=2) as response:
                        if response.status == 200:
                            break
                time.sleep(0.3)
            yield running, base, server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _open_sockets(pid: int) -> int:
    return sum(1 for c in psutil.Process(pid).net_connections(kind="tcp") if c.status == psutil.CONN_ESTABLISHED)


def test_a_worker_killed_under_load_is_replaced_and_nothing_is_lost_or_stored_twice(two_workers):
    running, base, server = two_workers
    workers = _children(server.pid)
    assert len(workers) == 2
    customers = [Customer(base, create_conversation(base), name=f"k{i}", reply_timeout_s=45, retry_s=1.0) for i in range(8)]

    async def talk(customer: Customer) -> None:
        await customer.connect()
        for n in range(3):
            await customer.say(f"m{n}", "When will my new card arrive?")
        await customer.close()

    killed: list[int] = []

    async def drill() -> None:
        tasks = [asyncio.ensure_future(talk(c)) for c in customers]
        await asyncio.sleep(0.4)  # replies are streaming
        # The kernel need not spread the sockets over both workers: kill the one holding the most of them.
        victim = max(workers, key=_open_sockets)
        killed.append(victim)
        os.kill(victim, signal.SIGKILL)
        await asyncio.gather(*tasks)

    asyncio.run(asyncio.wait_for(drill(), 120))
    assert all(c.timings[f"m{n}"].replied for c in customers for n in range(3))
    assert sum(c.reconnects for c in customers) > 0  # the kill reached some customers
    check = db_check(running, customers)
    assert check["ok"], check
    deadline = time.monotonic() + 20
    while len([p for p in _children(server.pid) if p not in killed]) < 2:  # the killed worker was replaced
        assert time.monotonic() < deadline, _children(server.pid)
        time.sleep(0.2)


def test_the_workers_serve_the_configured_asgi_application():
    from django.conf import settings

    from chatbot.serve import ASGI_APP

    assert ASGI_APP == settings.ASGI_APPLICATION.replace(".application", ":application")


def test_each_of_several_workers_gets_one_math_thread_unless_told_otherwise():
    from chatbot.serve import worker_env

    assert worker_env(2, {})["OMP_NUM_THREADS"] == "1"
    assert worker_env(2, {"OMP_NUM_THREADS": "2"})["OMP_NUM_THREADS"] == "2"
    assert "OMP_NUM_THREADS" not in worker_env(1, {})
