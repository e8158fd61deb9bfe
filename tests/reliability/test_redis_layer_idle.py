"""A socket idle for longer than the channel layer's 5 s blocking read keeps its Redis connection.

channels_redis waits for a socket's events with BZPOPMIN for 5 s; redis-py 8 gives every read a 5 s
socket timeout by default, so without the longer timeout in chatbot/settings/realtime.py the two race
and an idle customer socket is closed by the server (1011) every few seconds.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from channels_redis.core import RedisChannelLayer

pytestmark = [pytest.mark.redis, pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")]


def test_an_idle_receive_outlives_the_blocking_read_and_still_gets_its_message(settings):
    config = settings.CHANNEL_LAYERS["default"]
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer = RedisChannelLayer(hosts=config["CONFIG"]["hosts"], prefix=f"idle-{uuid.uuid4().hex[:8]}")  # the deployed hosts

    async def idle_then_message() -> dict:
        channel = await layer.new_channel()
        with pytest.raises(asyncio.TimeoutError):  # nothing arrives, and nothing fails, for 7 s
            await asyncio.wait_for(layer.receive(channel), timeout=7)
        await layer.send(channel, {"type": "chat.ping"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.flush()
        return message

    assert asyncio.run(idle_then_message())["type"] == "chat.ping"
