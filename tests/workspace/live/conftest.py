"""The live-chat fixtures (a real ASGI application, sockets for customers and agents) for the workspace's socket tests."""

from tests.live.conftest import (  # noqa: F401 - fixtures
    agent_cookie,
    app_data_restored,
    application,
    conversation,
    live_settings,
    reply_workers,
)
