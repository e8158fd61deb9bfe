"""WebSocket routes: the customer's conversation socket and the agent console's socket (docs/protocol.md)."""

from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from conversations.realtime.agent import AgentConsumer
from conversations.realtime.customer import CustomerConsumer
from conversations.realtime.origins import ServerOriginValidator

websocket_urlpatterns: list = [
    path("ws/chat/<uuid:public_id>/", CustomerConsumer.as_asgi(), name="ws-chat"),
    path("ws/agent/", ServerOriginValidator(AgentConsumer.as_asgi()), name="ws-agent"),
    # Anything else is refused at the handshake (HTTP 403) rather than raising in the router.
    re_path(r"", WebsocketDenier.as_asgi()),
]
