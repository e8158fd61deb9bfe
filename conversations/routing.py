"""WebSocket routes (the live-chat consumers plug in here)."""

websocket_urlpatterns: list = []
