"""ASGI entry point: Django first, then the Channels router."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.local")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from django.conf import settings  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from conversations.realtime.origins import ChatOriginValidator  # noqa: E402
from conversations.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # ALLOWED_HOSTS plus the embedding sites (CHAT_ALLOWED_ORIGINS); the agent route narrows it to ALLOWED_HOSTS.
        "websocket": ChatOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

from conversations.realtime.shutdown import install_daphne_hook  # noqa: E402

install_daphne_hook()  # on SIGTERM: replies in flight finish, then sockets are told to reconnect

if settings.CHAT_WARM_UP_ON_START:
    from chatbot.warmup import warm_up_in_background

    warm_up_in_background()
