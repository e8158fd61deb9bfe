"""Rate limits on the public endpoints."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from conversations.api.auth import Customer


class PublicRateThrottle(ScopedRateThrottle):
    """The view's throttle_scope, counted per conversation for customers.

    A customer is authenticated by their conversation token but has no user id: DRF would count
    every customer under the same key, so one busy customer would slow all the others down.
    """

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.user, Customer):
            return self.cache_format % {"scope": self.scope, "ident": f"conversation-{request.user.conversation.pk}"}
        return super().get_cache_key(request, view)
