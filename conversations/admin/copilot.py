"""The copilot's drafts in admin: each draft and what the agent did with it, and the rates per model version."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from conversations import selectors
from conversations.admin.mixins import RecordAdminMixin
from conversations.models import DraftSuggestion


@admin.register(DraftSuggestion)
class DraftSuggestionAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["id", "created_at", "agent", "outcome", "answer_tier", "versions", "short_text"]
    list_filter = ["outcome", "answer_tier", "created_at"]
    readonly_fields = ["conversation", "for_message", "agent", "text", "sources", "model_versions", "answer_tier", "outcome",
                       "sent_message", "created_at", "decided_at"]
    fields = readonly_fields
    change_list_template = "admin/conversations/draftsuggestion/change_list.html"

    def has_delete_permission(self, request: HttpRequest, obj: DraftSuggestion | None = None) -> bool:
        return False

    @admin.display(description="models")
    def versions(self, obj: DraftSuggestion) -> str:
        return ", ".join(f"{kind} v{v}" for kind, v in sorted((obj.model_versions or {}).items())) or "–"

    @admin.display(description="draft")
    def short_text(self, obj: DraftSuggestion) -> str:
        return obj.text[:80]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        rates = [{"row": r, "unchanged": r.rate("sent_unchanged"), "edited": r.rate("edited"), "discarded": r.rate("discarded")}
                 for r in selectors.draft_outcome_rates()]
        return super().changelist_view(request, extra_context={**(extra_context or {}), "draft_rates": rates})
