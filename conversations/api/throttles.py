"""Rate limits on the public endpoints."""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from conversations.api.auth import Customer
from conversations.models import Conversation


class PublicRateThrottle(ScopedRateThrottle):
    """The view's throttle_scope, counted per conversation for customers.

    A customer is authenticated by their conversation token but has no user id: DRF would count
    every customer under the same key, so one busy customer would slow all the others down.
    """

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.user, Customer):
            return self.cache_format % {"scope": self.scope, "ident": f"conversation-{request.user.conversation.pk}"}
        return super().get_cache_key(request, view)


MESSAGES_VIEW = SimpleNamespace(throttle_scope="public_message")


def conversation_message_allow(conversation: Conversation) -> float | None:
    """Count one customer message sent over the socket against the conversation's REST budget.

    Both ways of sending share the `public_message` rate, so opening more sockets (or mixing
    sockets and REST) does not raise it. None when allowed, else the seconds to wait.
    """
    throttle = PublicRateThrottle()
    if throttle.allow_request(SimpleNamespace(user=Customer(conversation)), MESSAGES_VIEW):  # type: ignore[arg-type]
        return None
    return throttle.wait() or 1.0
