"""Refusals of integration requests; the API maps them to the documented error shape."""

from conversations.errors import ChatError


class IntegrationInvalid(ChatError):
    code = "invalid_integration"
