"""Admin pages of the connectors: e-mail threads and what was sent, Chatwoot links and their API calls, and the
knowledge-base and transcript imports (with their upload pages). Read-only records; the uploads call the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from connectors.kb.service import article_import_create, article_import_execute, source_entries, upload_documents
from connectors.models import (
    ArticleImport,
    ChatwootConversation,
    ChatwootDelivery,
    EmailMessageRef,
    EmailThread,
    ImportedTranscript,
)
from connectors.tasks import article_import_task, email_reply_send_task
from connectors.transcripts import transcripts_import
from conversations.errors import ImportFailed

IMPORT_ARTICLES = ("conversations.add_knowledgearticle", "conversations.change_knowledgearticle")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EmailMessageRefInline(ReadOnlyInline):
    model = EmailMessageRef
    fields = ["mail_id", "direction", "status", "attempts", "error", "message", "created_at"]
    readonly_fields = fields


@admin.register(EmailThread)
class EmailThreadAdmin(ReadOnlyAdmin):
    list_display = ["conversation", "address_placeholder", "subject", "provider", "created_at"]
    list_filter = ["provider"]
    readonly_fields = ["conversation", "address_placeholder", "subject", "provider", "created_at"]
    inlines = [EmailMessageRefInline]
    actions = ["send_failed_again"]

    @admin.action(description="Send the failed replies of the selected threads again", permissions=["view"])
    def send_failed_again(self, request: HttpRequest, queryset) -> None:
        if not request.user.has_perm("conversations.reply_conversation"):
            raise PermissionDenied
        ids = list(EmailMessageRef.objects.filter(thread__in=queryset, status=EmailMessageRef.Status.FAILED, message__isnull=False)
                   .values_list("message_id", flat=True))
        for message_id in ids:
            email_reply_send_task.delay(message_id)
        self.message_user(request, f"{len(ids)} repl(ies) queued again.")


class ChatwootDeliveryInline(ReadOnlyInline):
    model = ChatwootDelivery
    fields = ["kind", "message", "status_code", "error", "latency_ms", "created_at"]
    readonly_fields = fields


@admin.register(ChatwootConversation)
class ChatwootConversationAdmin(ReadOnlyAdmin):
    list_display = ["conversation", "account_id", "chatwoot_conversation_id", "created_at"]
    readonly_fields = list_display
    inlines = [ChatwootDeliveryInline]


@admin.register(ArticleImport)
class ArticleImportAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "created", "updated", "unchanged", "requested_by", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "sources", "created", "updated", "unchanged", "errors", "requested_by", "created_at", "finished_at"]
    change_list_template = "admin/connectors/articleimport/change_list.html"

    def get_urls(self) -> list:
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="connectors_articleimport_upload")] + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = {**(extra_context or {}), "can_import": request.user.has_perms(IMPORT_ARTICLES)}
        return super().changelist_view(request, extra_context=extra)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(IMPORT_ARTICLES):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "Import knowledge articles", "opts": self.model._meta, "errors": []}
        if request.method == "POST":
            files = request.FILES.getlist("files")
            urls = [u.strip() for u in request.POST.get("urls", "").split() if u.strip()]
            sitemap = request.POST.get("sitemap", "").strip()
            try:
                if files:
                    uploads = upload_documents([(f.name, f.read(), f.content_type) for f in files])
                    record = article_import_create(entries=[{"kind": "upload", "name": d.name} for d in uploads], user=request.user)
                    article_import_execute(record=record, uploads=uploads)
                    self.message_user(request, f"Imported: {record.created} new, {record.updated} updated, {record.unchanged} unchanged.")
                else:
                    if any(not u.startswith(("http://", "https://")) for u in [*urls, *([sitemap] if sitemap else [])]):
                        raise ImportFailed("Only http and https URLs can be imported here.", errors=["a URL is not http(s)"])
                    with transaction.atomic():
                        record = article_import_create(entries=source_entries(paths_or_urls=urls, sitemap=sitemap), user=request.user)
                        transaction.on_commit(lambda: article_import_task.delay(record.pk))
                    self.message_user(request, "The pages are being fetched; this import's row shows the outcome.")
                return redirect(reverse("admin:connectors_articleimport_change", args=[record.pk]))
            except ImportFailed as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
                context["errors"] = exc.errors
        return TemplateResponse(request, "admin/connectors/articleimport/upload.html", context)


@admin.register(ImportedTranscript)
class ImportedTranscriptAdmin(ReadOnlyAdmin):
    list_display = ["source", "external_id", "conversation", "imported_by", "created_at"]
    search_fields = ["source", "external_id"]
    readonly_fields = list_display
    change_list_template = "admin/connectors/importedtranscript/change_list.html"

    def get_urls(self) -> list:
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="connectors_importedtranscript_upload")] + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = {**(extra_context or {}), "can_import": request.user.has_perm("connectors.import_transcripts")}
        return super().changelist_view(request, extra_context=extra)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("connectors.import_transcripts"):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "Import transcripts", "opts": self.model._meta, "errors": []}
        if request.method == "POST" and request.FILES.get("file"):
            upload = request.FILES["file"]
            try:
                result = transcripts_import(name=upload.name, data=upload.read(), user=request.user)
            except ImportFailed as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
                context["errors"] = exc.errors
            else:
                self.message_user(request, f"Imported {result.conversations} conversation(s) from {result.rows} line(s); "
                                           f"{result.skipped} imported before; {result.unanswered} unanswered question(s).")
                return redirect(reverse("admin:connectors_importedtranscript_changelist"))
        return TemplateResponse(request, "admin/connectors/importedtranscript/upload.html", context)
