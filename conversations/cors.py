"""CORS for the public conversation API, so the widget can run on the sites in CHAT_ALLOWED_ORIGINS.

Only `/api/v1/conversations/...` is opened, without credentials: customers authenticate with
the `Authorization: Conversation <token>` header, never with cookies, so a staff session in the
same browser is never sent cross-origin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PATH_PREFIX = "/api/v1/conversations/"
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type"
MAX_AGE_S = "600"


def origin_allowed(origin: str) -> bool:
    allowed = settings.CHAT_ALLOWED_ORIGINS
    return "*" in allowed or origin.rstrip("/").lower() in {o.rstrip("/").lower() for o in allowed}


class PublicApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        if not origin or not request.path.startswith(PATH_PREFIX) or not origin_allowed(origin):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response["Access-Control-Max-Age"] = MAX_AGE_S
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
        return response
