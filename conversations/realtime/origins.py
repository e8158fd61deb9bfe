"""Which browser origins may open which sockets.

Customer sockets: the server's own hosts (ALLOWED_HOSTS) plus the embedding sites in
CHAT_ALLOWED_ORIGINS. Agent sockets authenticate with the session cookie, which the browser
sends from any page, so they accept the server's own hosts only (no cross-site hijacking).
Settings are read per connection, so a changed setting applies without a restart of the router.
"""

from __future__ import annotations

from urllib.parse import ParseResult

from channels.security.websocket import OriginValidator
from django.conf import settings


def server_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return ["localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


class ChatOriginValidator(OriginValidator):
    """ALLOWED_HOSTS plus CHAT_ALLOWED_ORIGINS: the outer check for every socket."""

    def __init__(self, application: object) -> None:
        super().__init__(application, [])

    def allowed(self) -> list[str]:
        return server_hosts() + list(settings.CHAT_ALLOWED_ORIGINS)

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        self.allowed_origins = self.allowed()
        return super().valid_origin(parsed_origin)


class ServerOriginValidator(ChatOriginValidator):
    """ALLOWED_HOSTS only: for sockets that a session cookie authenticates."""

    def allowed(self) -> list[str]:
        return server_hosts()
