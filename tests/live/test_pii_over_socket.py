"""PII typed into the widget's socket is stored, logged and echoed to agents only as placeholders."""

import pytest
from channels.db import database_sync_to_async

from tests.live.conftest import agent_socket, customer_socket, live_db, next_frame
from tests.privacy.test_no_raw_pii_anywhere import CUSTOMER_LINES, RAW_VALUES, _digits, _every_cell, log_stream  # noqa: F401

pytestmark = [*live_db, pytest.mark.asyncio]


async def test_socket_conversation_leaves_no_raw_value_in_tables_logs_or_agent_frames(
    application, conversation, agent_cookie, settings, log_stream  # noqa: F811
):
    settings.PII_ANONYMIZE = True
    import logging

    async with agent_socket(application, agent_cookie) as (agent, _):
        async with customer_socket(application, conversation) as (socket, _):
            for i, line in enumerate(CUSTOMER_LINES):
                await socket.send_json_to({"type": "message", "text": line, "client_message_id": f"p{i}"})
                await next_frame(socket, "reply_end", timeout=60)
                logging.getLogger("conversations.test").warning("socket customer said: %s", line)
        seen_by_agents = []
        while not await agent.receive_nothing(timeout=0.5):
            seen_by_agents.append(await agent.receive_output())
    everything = await database_sync_to_async(_every_cell)()
    logs, agent_frames = log_stream.getvalue(), repr(seen_by_agents)
    assert "<EMAIL_1>" in everything and "socket customer said" in logs
    for name, raw in RAW_VALUES.items():
        for where, text in (("tables", everything), ("logs", logs), ("agent frames", agent_frames)):
            assert raw not in text, f"raw {name} in {where}"
        if name in ("card", "iban", "phone"):
            assert _digits(raw) not in _digits(everything), f"{name} digits stored"
