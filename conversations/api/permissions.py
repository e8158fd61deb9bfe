from __future__ import annotations

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from conversations.api.auth import Customer
from conversations.models import Conversation


def is_customer_of(request: Request, conversation: Conversation) -> bool:
    return isinstance(request.user, Customer) and request.user.conversation.pk == conversation.pk


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, reads included (agents may read what they may not change)."""

    perms_map = {**permissions.DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"], "HEAD": ["%(app_label)s.view_%(model_name)s"]}


class CustomerOrPerm(permissions.BasePermission):
    """The conversation's own customer, or a user holding `staff_perm`."""

    message = "Your credentials do not give access to this conversation."

    def __init__(self, staff_perm: str) -> None:
        self.staff_perm = staff_perm

    def __call__(self) -> "CustomerOrPerm":
        return self

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: APIView, obj: Conversation) -> bool:
        if isinstance(request.user, Customer):
            return is_customer_of(request, obj)
        return request.user.has_perm(self.staff_perm)


class HasPerm(permissions.BasePermission):
    def __init__(self, perm: str) -> None:
        self.perm = perm

    def __call__(self) -> "HasPerm":
        return self

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(self.perm))
