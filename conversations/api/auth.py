"""Customers authenticate with their conversation's access token: `Authorization: Conversation <token>`."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from conversations.models import Conversation

KEYWORD = "Conversation"


class Customer:
    """The holder of one conversation's token: authenticated for that conversation only."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perms: object, obj: object = None) -> bool:
        return False

    def __str__(self) -> str:
        return f"customer of {self.conversation.public_id}"


class ConversationTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Customer, Conversation] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1") != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Conversation <token>'.")
        token = parts[1].decode("latin-1")
        conversation = Conversation.objects.filter(access_token=token).first()
        if conversation is None:
            raise exceptions.AuthenticationFailed("Invalid conversation token.")
        return Customer(conversation), conversation

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ConversationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "conversations.api.auth.ConversationTokenAuthentication"
    name = "conversationToken"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The customer's conversation token, as `Conversation <token>`.",
        }
