"""Transcript review: the conversation list, a conversation's page and the agent actions on it."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from conversations import exports, selectors, services
from conversations.admin.filters import ConfidenceBandFilter, EscalatedFilter, IntentFilter, MessageConfidenceFilter
from conversations.admin.mixins import RecordAdminMixin
from conversations.admin.workspace import AgentNoteInline, TransferInline
from conversations.errors import ChatError
from conversations.models import Conversation, Intent, Message


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["short_id", "status", "channel", "assigned_agent", "message_count", "lowest_confidence", "rating", "escalated", "created_at"]
    list_filter = ["status", IntentFilter, ("created_at", admin.DateFieldListFilter), ConfidenceBandFilter, EscalatedFilter, "handoff_reason", "rating", "channel",
                   "tags", "offline_handoff"]
    search_fields = ["messages__text"]
    search_help_text = "Search the text of the messages."
    date_hierarchy = "created_at"
    readonly_fields = ["public_id", "status", "channel", "assigned_agent", "rating", "escalated_at", "handoff_reason", "created_at", "updated_at", "closed_at",
                       "rating_comment", "rated_at", "tags", "offline_handoff", "contact_email"]
    fields = readonly_fields
    inlines = [AgentNoteInline, TransferInline]
    actions = ["export_jsonl", "export_csv", "revoke_access_tokens"]
    change_form_template = "admin/conversations/conversation/change_form.html"
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return selectors.conversation_list()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        if not search_term:
            return queryset, False
        return selectors.conversations_matching(queryset, search_term), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="conversation")
    def short_id(self, obj: Conversation) -> str:
        return str(obj.public_id)[:8]

    @admin.display(description="messages", ordering="message_count")
    def message_count(self, obj: Conversation) -> int:
        return obj.message_count

    @admin.display(description="lowest confidence", ordering="min_confidence")
    def lowest_confidence(self, obj: Conversation) -> str:
        return "–" if obj.min_confidence is None else f"{obj.min_confidence:.2f}"

    @admin.display(description="escalated", boolean=True, ordering="escalated_at")
    def escalated(self, obj: Conversation) -> bool:
        return obj.escalated_at is not None

    def _export(self, request: HttpRequest, queryset: QuerySet[Conversation], kind: str) -> HttpResponse | None:
        if not request.user.has_perm("conversations.export_conversation"):
            self.message_user(request, "You do not have permission to export transcripts.", messages.ERROR)
            return None
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        ids = Conversation.objects.filter(pk__in=queryset.values("pk"))
        if kind == "jsonl":
            response: HttpResponse = StreamingHttpResponse(exports.transcripts_jsonl(ids), content_type="application/x-ndjson")
        else:
            response = HttpResponse(exports.transcripts_csv(ids), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="conversations-{stamp}.{kind}"'
        return response

    @admin.action(description="Export selected conversations as JSONL")
    def export_jsonl(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> HttpResponse | None:
        return self._export(request, queryset, "jsonl")

    @admin.action(description="Export selected conversations as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> HttpResponse | None:
        return self._export(request, queryset, "csv")

    @admin.action(description="Revoke the customers' access tokens (their chat windows stop working)", permissions=["change"])
    def revoke_access_tokens(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        conversations = list(Conversation.objects.filter(pk__in=queryset.values("pk")))
        for conversation in conversations:
            services.conversation_token_revoke(conversation=conversation)
        self.message_user(request, f"Revoked the access token of {len(conversations)} conversation(s).", messages.SUCCESS)

    def get_urls(self) -> list:
        custom = [
            path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="conversations_dashboard"),
            path("csat/", self.admin_site.admin_view(self.csat_view), name="conversations_csat"),
            path("<int:pk>/agent/<str:action>/", self.admin_site.admin_view(self.agent_action_view), name="conversations_agent_action"),
            path("relabel/<int:message_id>/", self.admin_site.admin_view(self.relabel_view), name="conversations_message_relabel"),
        ]
        return custom + super().get_urls()

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        conversation = self.get_object(request, object_id)
        # Every field is read-only: the page is for reading the transcript and acting on it, not saving a form.
        extra = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        if conversation is not None:
            extra.update(
                transcript=selectors.transcript(conversation),
                intents=Intent.objects.order_by("name"),
                can_reply=request.user.has_perm("conversations.reply_conversation"),
                can_relabel=request.user.has_perm("conversations.relabel_message"),
            )
        return super().change_view(request, object_id, form_url, extra)

    def agent_action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        if not request.user.has_perm("conversations.reply_conversation"):
            raise PermissionDenied
        conversation = get_object_or_404(Conversation, pk=pk)
        try:
            if action == "join":
                services.conversation_assign(conversation=conversation, agent=request.user)
            elif action == "reply":
                services.agent_message_post(conversation=conversation, agent=request.user, text=request.POST.get("text", ""))
            elif action == "return":
                services.conversation_return_to_bot(conversation=conversation)
            elif action == "close":
                services.conversation_close(conversation=conversation)
            else:
                return HttpResponse(status=404)
        except ChatError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:conversations_conversation_change", args=[pk]))

    def relabel_view(self, request: HttpRequest, message_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        if not request.user.has_perm("conversations.relabel_message"):
            raise PermissionDenied
        message = get_object_or_404(Message, pk=message_id)
        intent = Intent.objects.filter(pk=request.POST.get("intent") or None).first()
        if intent is None:
            self.message_user(request, "Choose an intent to relabel the message with.", messages.ERROR)
        else:
            try:
                services.message_relabel(message=message, intent=intent, user=request.user)
                self.message_user(request, f"Relabelled as {intent.name}; saved as a training example.", messages.SUCCESS)
            except ChatError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:conversations_conversation_change", args=[message.conversation_id]))

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("conversations.view_conversation"):
            raise PermissionDenied
        data = selectors.dashboard()
        peak = max((n for _, n in data.days), default=0) or 1
        context = {**self.admin_site.each_context(request), "title": "Conversations dashboard", "data": data,
                   "bars": [(day, n, round(100 * n / peak)) for day, n in data.days], "opts": self.model._meta,
                   "tag_counts": selectors.tag_counts(since=timezone.now() - dt.timedelta(days=14))}
        return TemplateResponse(request, "admin/conversations/dashboard.html", context)

    def csat_view(self, request: HttpRequest) -> HttpResponse:
        """CSAT for bot-only and agent conversations and per agent, over the period staff choose."""
        if not request.user.has_perm("conversations.view_csat_report"):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "Customer satisfaction (CSAT)", "opts": self.model._meta,
                   "since": request.GET.get("from", ""), "until": request.GET.get("to", "")}
        try:
            since, until = selectors.csat_period(request.GET.get("from"), request.GET.get("to"))
            context.update(report=selectors.csat_report(since=since, until=until), since=since.isoformat(), until=until.isoformat())
        except ChatError as exc:
            context["error"] = exc.message
        return TemplateResponse(request, "admin/conversations/csat.html", context, status=400 if "error" in context else 200)


@admin.register(Message)
class MessageAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["id", "role", "short_text", "intent", "confidence", "conversation", "created_at"]
    list_filter = ["role", "intent", MessageConfidenceFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["text"]
    list_select_related = ["intent", "conversation"]
    readonly_fields = ["conversation", "role", "text", "author", "intent", "confidence", "reply_to", "sources",
                       "model_versions", "latency_ms", "client_message_id", "created_at"]
    fields = readonly_fields
    actions = ["relabel"]

    @admin.display(description="text")
    def short_text(self, obj: Message) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:77] + "…"

    @admin.action(description="Relabel the intent of selected customer messages", permissions=["relabel"])
    def relabel(self, request: HttpRequest, queryset: QuerySet[Message]) -> HttpResponse | None:
        intent = Intent.objects.filter(pk=request.POST.get("intent") or None).first()
        if "apply" in request.POST and intent is not None:
            done = 0
            for message in queryset.filter(role=Message.Role.CUSTOMER):
                services.message_relabel(message=message, intent=intent, user=request.user)
                done += 1
            self.message_user(request, f"Relabelled {done} message(s) as {intent.name}; each is now a training example.", messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": "Relabel messages", "messages_to_relabel": queryset,
                   "intents": Intent.objects.order_by("name"), "opts": self.model._meta,
                   "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "admin/conversations/message/relabel.html", context)

    def has_relabel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("conversations.relabel_message")
