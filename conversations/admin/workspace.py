"""Admin for the agent workspace: canned replies, tags, business hours, availability, and the read-only
notes and transfer history shown on a conversation's page. Saves go through the services' checks."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from conversations.models import AgentNote, AgentProfile, BusinessHours, CannedReply, ConversationAssignment, OpeningHours, Tag
from conversations.services import annotations, availability, canned


def _checked(check, value: object) -> object:  # noqa: ANN001 - a service's clean function
    try:
        return check(value)
    except ChatError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["title", "shortcut", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"text": "At most 2000 characters. Variables: {{agent.first_name}}, {{conversation.id}}, {{business.hours}}."}

    def clean_text(self) -> str:
        return _checked(canned.canned_text_clean, self.cleaned_data.get("text"))

    def clean_shortcut(self) -> str:
        return _checked(canned.shortcut_clean, self.cleaned_data.get("shortcut"))


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    form = CannedReplyForm
    list_display = ["shortcut", "title", "updated_at", "created_by"]
    search_fields = ["shortcut", "title", "text"]

    def save_model(self, request: HttpRequest, obj: CannedReply, form: forms.ModelForm, change: bool) -> None:
        existing = CannedReply.objects.get(pk=obj.pk) if change else None
        saved = canned.canned_reply_save(title=obj.title, shortcut=obj.shortcut, text=obj.text, user=request.user, canned=existing)
        obj.pk = saved.pk


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name"]

    def clean_name(self) -> str:
        return _checked(annotations.tag_name_clean, self.cleaned_data.get("name"))


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "conversation_count", "created_at"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(n=Count("conversations"))

    @admin.display(description="conversations", ordering="n")
    def conversation_count(self, obj: Tag) -> int:
        return obj.n


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1


class BusinessHoursForm(forms.ModelForm):
    class Meta:
        model = BusinessHours
        fields = ["time_zone"]
        help_texts = {"time_zone": "An IANA time zone, e.g. Europe/London; the opening hours below are in it."}

    def clean_time_zone(self) -> str:
        return _checked(availability.time_zone_clean, self.cleaned_data.get("time_zone"))


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    """One row: the business's time zone, with its opening hours (several a day allowed; each closes after it opens)."""

    form = BusinessHoursForm
    inlines = [OpeningHoursInline]
    list_display = ["__str__", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not BusinessHours.objects.exists()


@admin.register(AgentProfile)
class AgentProfileAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["user", "availability", "last_seen_at", "notify_desktop", "notify_sound"]
    list_filter = ["availability"]


class AgentNoteInline(admin.TabularInline):
    """Private notes: agents write them in the console; admin lists them (never shown to the customer)."""

    model = AgentNote
    extra = 0
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "private notes (agents only)"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TransferInline(admin.TabularInline):
    model = ConversationAssignment
    fk_name = "conversation"
    extra = 0
    fields = ["created_at", "from_agent", "to_agent", "by", "note"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "transfers"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
