"""Live-chat fixtures: the real ASGI application, sockets for customers and agents, a streaming test bot.

Async tests touch the database from worker threads, so they use django_db(transaction=True).
Every socket is opened through an async context manager that always disconnects.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import SyncToAsync
from channels.testing import WebsocketCommunicator
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections
from django.test import Client

from chatbot.settings.realtime import redis_channel_layer
from conversations.models import Conversation, Intent
from conversations.realtime import threads as streaming
from tests.factories import ConversationFactory, UserFactory
from tests.live.server import redis_forget

# Socket tests touch the database from worker threads, so each is a transaction test. Flushing only
# these apps' tables (and re-creating just their permissions and groups) keeps the PostgreSQL run fast;
# sessions are left to expire. After each module every app's data is restored for the tests that follow.
LIVE_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "conversations"]
live_db = [pytest.mark.django_db(transaction=True, available_apps=LIVE_APPS), pytest.mark.usefixtures("app_data_restored")]


@pytest.fixture(scope="module")
def app_data_restored(django_db_blocker):
    """Content types, permissions and groups of every app again, as a full flush would leave them."""
    yield
    with django_db_blocker.unblock():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


ORIGIN = "http://testserver"
TIMEOUT = 5.0
PIPELINE = "tests.live.pipelines.streaming_pipeline"


@pytest.fixture(autouse=True)
def live_settings(settings):
    settings.CHAT_PIPELINE_PROVIDER = PIPELINE
    # PII detection has its own tests (tests/pii); here it would only add model loading time.
    settings.PII_ANONYMIZE = False
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}  # a fresh layer per test
        yield settings
        return
    # A prefix of our own: other test runs on the same Redis never hear our groups.
    prefix = f"livetest-{uuid.uuid4().hex[:10]}"
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_url, prefix=prefix)}  # as deployed, read timeout included
    yield settings
    redis_forget(redis_url, prefix)


@pytest.fixture(autouse=True)
def reply_workers(monkeypatch):
    """A fresh reply pool per test; its threads and the sync-to-async thread drop their DB connections after.

    Channels' test communicator turns close_old_connections into a no-op while it runs, so worker
    threads would otherwise keep connections that block dropping the PostgreSQL test database.
    """
    workers = 4
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="test-reply")
    monkeypatch.setattr(streaming, "_executor", executor)
    yield executor
    barrier = threading.Barrier(workers)

    def close() -> None:  # every thread takes exactly one: each waits for the others
        connections.close_all()
        barrier.wait(timeout=10)

    for job in [executor.submit(close) for _ in range(workers)]:
        job.result(timeout=15)
    executor.shutdown()
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture
def application():
    from chatbot.asgi import application

    return application


@pytest.fixture
def conversation(db) -> Conversation:
    Intent.objects.get_or_create(name="card_arrival")
    return ConversationFactory()


@pytest.fixture
def other_conversation(db) -> Conversation:
    return ConversationFactory()


@pytest.fixture
def agent_cookie(agent) -> str:
    client = Client()
    client.force_login(agent)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def outsider_cookie(db) -> str:
    client = Client()
    client.force_login(UserFactory(username="no.perms"))
    return f"sessionid={client.cookies['sessionid'].value}"


def socket_headers(origin: str | None, cookie: str | None = None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin.encode())] if origin else []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return headers


def customer_communicator(app, public_id: object, *, origin: str | None = ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(app, f"/ws/chat/{public_id}/", headers=socket_headers(origin))


@contextlib.asynccontextmanager
async def customer_socket(app, conversation: Conversation, *, origin: str = ORIGIN) -> AsyncIterator[tuple[WebsocketCommunicator, dict]]:
    """A customer socket past the auth frame; yields it with the history frame."""
    communicator = customer_communicator(app, conversation.public_id, origin=origin)
    try:
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        await communicator.send_json_to({"type": "auth", "token": conversation.access_token})
        history = await communicator.receive_json_from(timeout=TIMEOUT)
        assert history["type"] == "history", history
        yield communicator, history
    finally:
        await communicator.disconnect()


@contextlib.asynccontextmanager
async def agent_socket(app, cookie: str, *, origin: str = ORIGIN) -> AsyncIterator[tuple[WebsocketCommunicator, dict]]:
    """An agent console socket; yields it with the queue frame."""
    communicator = WebsocketCommunicator(app, "/ws/agent/", headers=socket_headers(origin, cookie))
    try:
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert connected, code
        queue = await communicator.receive_json_from(timeout=TIMEOUT)
        assert queue["type"] == "queue", queue
        yield communicator, queue
    finally:
        await communicator.disconnect()


async def frames_until(communicator: WebsocketCommunicator, kind: str, *, timeout: float = TIMEOUT) -> list[dict]:
    """Frames received up to and including the first of type ``kind``."""
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        frames.append(frame)
        if frame["type"] == kind:
            return frames


async def next_frame(communicator: WebsocketCommunicator, kind: str, *, timeout: float = TIMEOUT) -> dict:
    return (await frames_until(communicator, kind, timeout=timeout))[-1]
