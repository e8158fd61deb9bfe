"""Agents and customers on different web processes reach each other through Redis.

Two channel-layer instances stand for two processes: consumers on the "peer" layer hear only
what crosses Redis from the services, which publish on the "default" layer. Each direction
crosses in one of the two cases.
"""

from __future__ import annotations

import os
import uuid

import pytest
from channels.auth import AuthMiddlewareStack
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.urls import path

from chatbot.settings.realtime import redis_channel_layer
from conversations.realtime.agent import AgentConsumer
from conversations.realtime.customer import CustomerConsumer
from tests.live.conftest import agent_socket, customer_socket, live_db, next_frame
from tests.live.server import redis_forget

pytestmark = [
    pytest.mark.asyncio,
    *live_db,
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis server: set REDIS_URL"),
]


class PeerCustomerConsumer(CustomerConsumer):
    channel_layer_alias = "peer"


class PeerAgentConsumer(AgentConsumer):
    channel_layer_alias = "peer"


@pytest.fixture
def two_layers(settings):
    prefix = f"livetest-{uuid.uuid4().hex[:10]}"
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(os.environ["REDIS_URL"], prefix=prefix),
                               "peer": redis_channel_layer(os.environ["REDIS_URL"], prefix=prefix)}
    assert get_channel_layer("peer") is not get_channel_layer("default")
    yield
    redis_forget(os.environ["REDIS_URL"], prefix)


@pytest.mark.parametrize(("customer_cls", "agent_cls"), [(PeerCustomerConsumer, AgentConsumer), (CustomerConsumer, PeerAgentConsumer)],
                         ids=["customer-on-the-other-process", "agent-on-the-other-process"])
async def test_handoff_and_agent_reply_cross_between_layer_instances(two_layers, agent_cookie, conversation, customer_cls, agent_cls):
    app = AuthMiddlewareStack(URLRouter([
        path("ws/chat/<uuid:public_id>/", customer_cls.as_asgi()),
        path("ws/agent/", agent_cls.as_asgi()),
    ]))
    public_id = str(conversation.public_id)
    async with agent_socket(app, agent_cookie) as (console, _), customer_socket(app, conversation) as (customer, _):
        await customer.send_json_to({"type": "handoff"})
        changed = await next_frame(console, "conversation")
        assert changed["conversation"]["status"] == "waiting_for_agent"
        await console.send_json_to({"type": "open", "conversation": public_id})
        await next_frame(console, "transcript")
        await console.send_json_to({"type": "reply", "conversation": public_id, "text": "Hello from the other process"})
        reply = await next_frame(customer, "agent_message")
        assert reply["message"]["text"] == "Hello from the other process"
