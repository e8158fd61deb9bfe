"""The vault in admin: placeholders are listed; originals are shown only through an audited reveal."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from conversations import vault
from conversations.admin.mixins import RecordAdminMixin
from conversations.models import PiiRevealLog, PiiVaultEntry


@admin.register(PiiVaultEntry)
class PiiVaultEntryAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["placeholder", "entity_type", "conversation", "source", "created_at", "expires_at", "purged_at"]
    list_filter = ["entity_type", "source", ("purged_at", admin.EmptyFieldListFilter)]
    fields = ["placeholder", "entity_type", "conversation", "source", "created_at", "expires_at", "purged_at"]
    readonly_fields = fields
    actions = ["reveal"]


    def has_reveal_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(vault.REVEAL_PERM)

    @admin.action(description="Reveal the originals of selected entries (audited)", permissions=["reveal"])
    def reveal(self, request: HttpRequest, queryset: QuerySet[PiiVaultEntry]) -> HttpResponse:
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            context = {**self.admin_site.each_context(request), "title": "Reveal personal data", "entries": queryset,
                       "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
            return TemplateResponse(request, "admin/conversations/piivaultentry/reveal_reason.html", context)
        rows = []
        for entry in queryset:
            try:
                rows.append((entry, vault.vault_reveal(entry=entry, user=request.user, reason=reason)))
            except PermissionDenied as exc:
                rows.append((entry, f"({exc})"))
        context = {**self.admin_site.each_context(request), "title": "Revealed personal data", "rows": rows, "opts": self.model._meta}
        return TemplateResponse(request, "admin/conversations/piivaultentry/revealed.html", context)


@admin.register(PiiRevealLog)
class PiiRevealLogAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["revealed_at", "user", "entry", "reason"]
    list_filter = ["user"]
    readonly_fields = ["entry", "user", "revealed_at", "reason"]


    def has_delete_permission(self, request: HttpRequest, obj: PiiRevealLog | None = None) -> bool:
        return False
