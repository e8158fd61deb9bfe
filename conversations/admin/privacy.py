"""The vault in admin: placeholders are listed; originals are shown only through an audited reveal."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from conversations import services, vault
from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from conversations.models import PiiErasure, PiiRevealLog, PiiVaultEntry
from conversations.services.erasure import ERASE_PERM


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


@admin.register(PiiErasure)
class PiiErasureAdmin(RecordAdminMixin, admin.ModelAdmin):
    """The record of every erasure, and the form that erases a person (privacy officers)."""

    list_display = ["erased_at", "user", "matched_by", "conversations", "messages", "vault_entries", "training_examples", "reason"]
    list_filter = ["user", "matched_by"]
    readonly_fields = ["erased_at", "user", "reason", "matched_by", "conversations", "messages", "vault_entries",
                       "training_examples", "files"]

    def has_delete_permission(self, request: HttpRequest, obj: PiiErasure | None = None) -> bool:
        return False

    def get_urls(self) -> list:
        erase = self.admin_site.admin_view(self.erase_view)
        return [path("erase/", erase, name="conversations_piierasure_erase"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "can_erase": request.user.has_perm(ERASE_PERM)})

    def erase_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(ERASE_PERM):
            raise PermissionDenied
        error = ""
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()
            try:
                if not reason:
                    raise ChatError("Give the reason for the erasure.")
                record = services.person_erase(value=request.POST.get("value", ""), user=request.user, reason=reason)
            except ChatError as exc:
                error = str(exc)
            else:
                messages.success(request, f"Erased {record.conversations} conversation(s), {record.vault_entries} vault "
                                          f"entries and {len(record.files)} file(s) of that person.")
                return HttpResponseRedirect(reverse("admin:conversations_piierasure_changelist"))
        context = {**self.admin_site.each_context(request), "title": "Erase a person's data", "error": error, "opts": self.model._meta}
        return TemplateResponse(request, "admin/conversations/piierasure/erase.html", context)
