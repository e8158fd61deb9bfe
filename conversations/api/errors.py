"""One error shape for every API failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from conversations.errors import ChatError, ImportFailed

logger = logging.getLogger(__name__)


def _first_message(detail: object) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _first_message(value)
            return inner if field in ("detail", "non_field_errors") else f"{field}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


DATABASE_UNAVAILABLE = "The service is temporarily unavailable (its database cannot be reached). Please retry shortly."
RETRY_AFTER_S = 5


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is down or restarting: a 503 the client may retry, not a 500. Django connects
        # again on the next request, so the API recovers by itself when the database returns.
        logger.error("Database unavailable during %s", getattr(context.get("request"), "path", "a request"), exc_info=exc)
        body = {"error": {"code": "service_unavailable", "message": DATABASE_UNAVAILABLE, "details": {}}}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_S)})
    if isinstance(exc, ChatError):
        details = {"errors": exc.errors} if isinstance(exc, ImportFailed) else {}
        return Response({"error": {"code": exc.code, "message": exc.message, "details": details}}, status=exc.status)
    # Django's own exceptions carry no error code: convert them as DRF would, keeping the message.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    detail = response.data
    body = {"code": code, "message": _first_message(detail), "details": detail if isinstance(detail, dict) and "detail" not in detail else {}}
    if response.status_code == status.HTTP_400_BAD_REQUEST and code == "invalid":
        body["code"] = "validation_error"
    response.data = {"error": body}
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: URLs under /api/ that match no route (or a malformed id) answer in the envelope too."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "message": "No API endpoint at this address.", "details": {}}}, status=404)
    return defaults.page_not_found(request, exception)
