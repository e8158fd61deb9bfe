"""Health: database, broker, channel layer and the active model versions.

The endpoint is public, so a failed check says only which kind of failure it was; the driver's own
message (which names hosts, ports, users and database names) goes to the log, never to the client.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chatbot.celery import app as celery_app
from training.registry.versions import active_versions

logger = logging.getLogger(__name__)
# What a public client learns of a failure: whether it timed out or could not be reached, no more.
_PUBLIC_ERRORS = ((TimeoutError, "timed out"), (ConnectionError, "connection refused or reset"))


def public_error(exc: BaseException) -> str:
    """A failure as the public may read it: the exception's kind, never its message (hosts, ports, users)."""
    for kind, text in _PUBLIC_ERRORS:
        if isinstance(exc, kind):
            return f"{type(exc).__name__}: {text}"
    if any(word in f"{type(exc).__name__} {exc}".lower() for word in ("timeout", "timed out")):
        return f"{type(exc).__name__}: timed out"
    return f"{type(exc).__name__}: unreachable or failing"


def _check(fn) -> dict[str, Any]:  # noqa: ANN001
    try:
        detail = fn()
    except Exception as exc:  # a health check reports every failure instead of raising
        logger.warning("Health check %s failed: %s: %s", getattr(fn, "__name__", fn), type(exc).__name__, exc)
        return {"ok": False, "error": public_error(exc)}
    return {"ok": True, **(detail or {})}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def _broker() -> dict:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel  # noqa: B018 - opening a channel proves the broker answers
        return {"transport": conn.transport.driver_type}


def _channel_layer() -> dict:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = f"health.{uuid.uuid4().hex}"
    async_to_sync(layer.send)(channel, {"type": "health.ping"})
    received = async_to_sync(layer.receive)(channel)
    if received.get("type") != "health.ping":
        raise RuntimeError("channel layer returned a different message")
    return {"backend": type(layer).__name__}


def _models() -> dict:
    return {"active": {kind: v.version for kind, v in active_versions().items()}}


def health_report() -> tuple[bool, dict[str, Any]]:
    checks = {"database": _check(_database), "broker": _check(_broker), "channel_layer": _check(_channel_layer)}
    checks["models"] = _check(_models) if checks["database"]["ok"] else {"ok": False, "error": "database unavailable"}
    failed = [name for name in ("database", "broker", "channel_layer") if not checks[name]["ok"]]
    body: dict[str, Any] = {"status": "unavailable" if failed else "ok", "checks": checks}
    if failed:
        body["message"] = f"Unavailable: the {', '.join(n.replace('_', ' ') for n in failed)} cannot be reached; see checks."
    return not failed, body


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Health of the database, broker, channel layer and models",
        responses={
            200: inline_serializer("Health", {"status": serializers.CharField(), "checks": serializers.DictField()}),
            503: inline_serializer("Unhealthy", {"status": serializers.CharField(), "checks": serializers.DictField()}),
        },
    )
    def get(self, request: Request) -> Response:
        healthy, body = health_report()
        return Response(body, status=200 if healthy else 503)
