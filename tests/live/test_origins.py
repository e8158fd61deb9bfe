"""Which origins may open sockets: the server's hosts, plus CHAT_ALLOWED_ORIGINS for customer sockets."""

from __future__ import annotations

import pytest

from tests.live.conftest import TIMEOUT, customer_communicator, customer_socket, live_db

pytestmark = [pytest.mark.asyncio, *live_db]


async def _accepted(application, conversation, origin: str | None) -> bool:
    socket = customer_communicator(application, conversation.public_id, origin=origin)
    try:
        return (await socket.connect(timeout=TIMEOUT))[0]
    finally:
        await socket.disconnect()


async def test_customer_sockets_accept_the_servers_hosts_and_the_embedding_sites(application, conversation, settings):
    settings.CHAT_ALLOWED_ORIGINS = ["https://shop.example"]
    assert await _accepted(application, conversation, "http://localhost:8000")
    assert await _accepted(application, conversation, "https://shop.example")
    assert not await _accepted(application, conversation, "https://evil.example")
    assert not await _accepted(application, conversation, "http://shop.example")  # scheme and port count
    assert not await _accepted(application, conversation, None)  # browsers always send Origin

    settings.CHAT_ALLOWED_ORIGINS = ["*"]  # any embedding site
    async with customer_socket(application, conversation, origin="https://anywhere.example") as (_, history):
        assert history["type"] == "history"
