"""One error shape for every API failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from conversations.errors import ChatError, ImportFailed


def _first_message(detail: object) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _first_message(value)
            return inner if field in ("detail", "non_field_errors") else f"{field}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ChatError):
        details = {"errors": exc.errors} if isinstance(exc, ImportFailed) else {}
        return Response({"error": {"code": exc.code, "message": exc.message, "details": details}}, status=exc.status)
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
