"""The OpenAPI schema documents every error an operation can answer, not just its success.

Clients (and schemathesis, tests/security) rely on the schema's status codes: an operation
that can answer 401 or 404 in the error envelope says so, whether or not its view lists them.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions

from conversations.api.serializers import ErrorEnvelope

ERROR_TEXTS = {
    400: "Invalid input",
    401: "Missing or invalid credentials",
    403: "Not allowed (a missing permission, a token for another conversation, or no CSRF token with a session)",
    404: "Not found",
    429: "Throttled: too many requests",
}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> list[int]:
        codes = []
        if self.view.get_authenticators():
            codes.append(401)  # a bad or revoked token in the Authorization header, even where none is needed
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        if has_body or self._get_filter_parameters():
            codes.append(400)
        allow_any = all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
        if not allow_any or self.method not in permissions.SAFE_METHODS:
            codes.append(403)  # a permission, or CSRF when a session authenticates a write
        if "{" in self.path:
            codes.append(404)
        if self.view.get_throttles():
            codes.append(429)
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if str(code) not in responses:
                response = OpenApiResponse(ErrorEnvelope, description=ERROR_TEXTS[code])
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return dict(sorted(responses.items()))
