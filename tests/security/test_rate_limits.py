"""Rate limits of the public ways in: starting conversations, sending messages (REST and socket).

tests/conversations/test_api_conversations.py covers the REST throttles themselves; here:
a client cannot dodge them with a forged X-Forwarded-For, sockets share a conversation's
message budget with REST (more sockets do not mean more messages), and with REDIS_URL the
counters live in Redis, where every web process sees them.
"""

from __future__ import annotations

import os

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from conversations.models import Conversation, Message
from tests.chatbot.subprocess_django import django_json
from tests.live.conftest import (  # noqa: F401 - fixtures: the live tests' app, settings and reply workers
    TIMEOUT,
    app_data_restored,
    application,
    customer_socket,
    live_db,
    live_settings,
    next_frame,
    reply_workers,
)

LIST = "/api/v1/conversations/"


@pytest.fixture
def tight_rates(monkeypatch):
    # DRF reads the rates once, at import: patch the class attribute rather than the settings.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_create": "3/min", "public_message": "2/min"})


def messages_url(conversation: Conversation) -> str:
    return f"/api/v1/conversations/{conversation.public_id}/messages/"


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_reset_the_limit(tight_rates):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    codes = [client.post(LIST, {}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Conversation.objects.count() == 3


@pytest.mark.django_db
def test_behind_one_proxy_the_client_address_is_the_proxys_last_hop(tight_rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "198.51.100.1"  # every request arrives from the proxy; it appends the real client address
    one = [APIClient(REMOTE_ADDR=proxy).post(LIST, {}, format="json", HTTP_X_FORWARDED_FOR="forged, 192.0.2.10").status_code
           for _ in range(4)]
    other = APIClient(REMOTE_ADDR=proxy).post(LIST, {}, format="json", HTTP_X_FORWARDED_FOR="192.0.2.20").status_code
    assert one == [201, 201, 201, 429] and other == 201


# --- sockets: one budget per conversation ---------------------------------------------------------------


def socket_test(test):  # noqa: ANN001, ANN201
    for mark in (pytest.mark.asyncio, *live_db):
        test = mark(test)
    return test


@socket_test
async def test_more_sockets_do_not_buy_more_messages(application, customer_a, tight_rates):
    async with customer_socket(application, customer_a) as (first, _), customer_socket(application, customer_a) as (second, _):
        await first.send_json_to({"type": "message", "text": "one", "client_message_id": "1"})
        await next_frame(first, "ack")
        await second.send_json_to({"type": "message", "text": "two", "client_message_id": "2"})
        await next_frame(second, "ack")
        await first.send_json_to({"type": "message", "text": "three", "client_message_id": "3"})
        error = await next_frame(first, "error")
    assert (error["code"], error["client_message_id"]) == ("rate_limited", "3")
    assert "wait" in error["message"]
    texts = await database_sync_to_async(lambda: sorted(Message.objects.filter(role="customer").values_list("text", flat=True)))()
    assert texts == ["one", "two"]


@socket_test
async def test_socket_and_rest_share_the_budget(application, customer_a, tight_rates):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Conversation {customer_a.access_token}")
    post = database_sync_to_async(lambda text: client.post(messages_url(customer_a), {"text": text}, format="json").status_code)
    assert await post("over REST") == 201
    async with customer_socket(application, customer_a) as (socket, _):
        await socket.send_json_to({"type": "message", "text": "over the socket", "client_message_id": "s1"})
        await next_frame(socket, "ack")
        await socket.send_json_to({"type": "message", "text": "one too many", "client_message_id": "s2"})
        assert (await next_frame(socket, "error"))["code"] == "rate_limited"
    assert await post("and again over REST") == 429


@socket_test
async def test_another_conversation_has_its_own_budget(application, customer_a, customer_b, tight_rates):
    async with customer_socket(application, customer_a) as (socket, _):
        for n in range(3):
            await socket.send_json_to({"type": "message", "text": f"a{n}", "client_message_id": f"a{n}"})
        assert (await next_frame(socket, "error"))["code"] == "rate_limited"
    async with customer_socket(application, customer_b) as (socket, _):
        await socket.send_json_to({"type": "message", "text": "b0", "client_message_id": "b0"})
        assert (await next_frame(socket, "ack"))["client_message_id"] == "b0"


# --- where the counters live ----------------------------------------------------------------------------


def test_redis_url_moves_the_counters_to_redis(tmp_path):
    describe = "from django.conf import settings\nprint(json.dumps(settings.CACHES['default']))"
    embedded = django_json(describe, env={}, var_dir=tmp_path)
    shared = django_json(describe, env={"REDIS_URL": "redis://cache.internal:6379/2"}, var_dir=tmp_path)
    assert embedded["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shared["LOCATION"] == "redis://cache.internal:6379/2" and shared["KEY_PREFIX"]


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis server: set REDIS_URL")
def test_every_web_process_sees_the_same_counters(tight_rates, customer_a, customer_a_api):
    from django.core.cache.backends.redis import RedisCache

    assert django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    # Another web process: its own connection to the same Redis, the same settings.
    config = django_settings.CACHES["default"]
    other_process = RedisCache(config["LOCATION"], {"KEY_PREFIX": config["KEY_PREFIX"]})
    key = f"throttle_public_message_conversation-{customer_a.pk}"
    assert customer_a_api.post(messages_url(customer_a), {"text": "one"}, format="json").status_code == 201
    assert len(other_process.get(key)) == 1
    # What the other process counted holds here too.
    other_process.set(key, cache.get(key) * 2, 60)
    assert customer_a_api.post(messages_url(customer_a), {"text": "two"}, format="json").status_code == 429
