"""A web process stopped with SIGTERM while replies stream: they finish, or the client is told to reconnect.

Real daphne processes (tests/live/server.py) and the streaming test pipeline, slowed down so that the
stop lands mid-reply. After the stop a new process starts on the same port; the client reconnects like
the widget and sends again what was not acknowledged; the database then holds every message once, with
exactly one reply.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bench.live.customer import Customer
from bench.live.load import create_conversation, db_check
from bench.live.wsclient import ConnectionClosed, WebSocket
from conversations.realtime.shutdown import CLOSE_SERVICE_RESTART
from tests.live.pipelines import ANSWER
from tests.live.server import ROOT, Stack, stack

STREAMING = {"CHAT_PIPELINE_PROVIDER": "tests.live.pipelines.streaming_pipeline", "LIVE_TOKEN_DELAY_S": "0.3"}


@pytest.fixture(scope="module")
def running() -> Iterator[Stack]:
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp), ROOT / "test-artifacts" / "reliability", **STREAMING) as started:
        yield started


def stop(running: Stack, base: str) -> subprocess.Popen:
    process = running.servers.pop(base)
    process.terminate()  # SIGTERM, as a process manager or `docker stop` sends it
    return process


async def frames_after_first_token(base: str, conversation: dict, text: str,
                                   on_first_token: Callable[[], None]) -> tuple[list[dict], int | None]:
    """Send one message; call on_first_token once streaming starts; collect frames until the server closes."""
    ws = await WebSocket.connect(f"{base.replace('http', 'ws', 1)}/ws/chat/{conversation['id']}/", origin=base)
    await ws.send_json({"type": "auth", "token": conversation["access_token"]})
    assert (await ws.recv_json())["type"] == "history"
    await ws.send_json({"type": "message", "text": text, "client_message_id": "m1"})
    frames: list[dict] = []
    try:
        while True:
            frames.append(await ws.recv_json(timeout=30))
            if frames[-1]["type"] == "token" and sum(f["type"] == "token" for f in frames) == 1:
                on_first_token()
    except ConnectionClosed as closed:
        return frames, closed.code
    finally:
        await ws.close()


def restart_and_resend(running: Stack, base: str, conversation: dict, text: str) -> Customer:
    """A new process on the same port; the customer reconnects and sends the message again (same id)."""
    running.start("after-stop", urlparse(base).port)
    customer = Customer(base, conversation, name="after-stop", reply_timeout_s=30)

    async def resend() -> None:
        await customer.connect()
        await customer.say("m1", text)
        await customer.close()

    asyncio.run(resend())
    return customer


def test_streams_in_flight_finish_before_the_process_stops(running):
    base = running.start("stopping")
    conversation = create_conversation(base)
    process = None

    def sigterm() -> None:
        nonlocal process
        process = stop(running, base)

    frames, close_code = asyncio.run(frames_after_first_token(base, conversation, "When will my card arrive?", sigterm))
    kinds = [f["type"] for f in frames]
    # Every token after the SIGTERM still arrives, the message is acknowledged and the reply stored...
    assert kinds == ["reply_start"] + ["token"] * len(ANSWER) + ["ack", "reply_end", "reconnect"]
    assert frames[-2]["text"] == "".join(ANSWER)
    # ...then the client is told to reconnect, and the process exits cleanly.
    assert close_code == CLOSE_SERVICE_RESTART
    assert process is not None and process.wait(timeout=30) == 0

    customer = restart_and_resend(running, base, conversation, "When will my card arrive?")
    assert customer.timings["m1"].replied and not customer.errors
    check = db_check(running, [customer])
    assert check["ok"] and check["stored"] == 1 and check["answered"] == 1, check


def test_a_reply_longer_than_the_grace_period_is_stored_and_reaches_the_reconnected_client(running):
    before = dict(running.env)
    running.env.update(CHAT_SHUTDOWN_GRACE_S="0.5", LIVE_TOKEN_DELAY_S="0.1")  # "slow": 1 s a token, 6 s a reply
    try:
        base = running.start("stopping-slow")
    finally:
        running.env.clear()
        running.env.update(before)
    conversation = create_conversation(base)
    process = None

    def sigterm() -> None:
        nonlocal process
        process = stop(running, base)

    frames, close_code = asyncio.run(frames_after_first_token(base, conversation, "slow: when will my card arrive?", sigterm))
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "reply_start" and kinds[-1] == "reconnect" and "reply_end" not in kinds
    assert close_code == CLOSE_SERVICE_RESTART
    # The process finishes and stores the reply before it exits (it does not hang on the stopped event loop).
    assert process is not None and process.wait(timeout=60) == 0

    customer = restart_and_resend(running, base, conversation, "slow: when will my card arrive?")
    assert customer.timings["m1"].replied, customer.errors  # the stored reply, sent after the duplicate ack
    check = db_check(running, [customer])
    assert check["ok"] and check["stored"] == 1 and check["answered"] == 1, check
