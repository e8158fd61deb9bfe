from django.http import HttpRequest


class RecordAdminMixin:
    """Rows written by the platform (messages, runs, versions, vault entries): viewed in admin, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
