"""Bot actions in admin: defined through the same checks as the API; their calls as records."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from integrations.actions.services import bot_action_save
from integrations.models import ActionCall, BotAction


class BotActionForm(forms.ModelForm):
    class Meta:
        model = BotAction
        fields = ["intent", "name", "method", "url_template", "headers", "parameters", "reply_template", "fallback_text", "is_active"]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            # Checked now, saved in save_model: the same service the API uses, with a throw-away copy.
            self._definition = {
                "intent": data["intent"].name, "name": data["name"], "method": data["method"], "url_template": data["url_template"],
                "headers": data.get("headers") or {}, "parameters": data.get("parameters") or [],
                "reply_template": data["reply_template"], "fallback_text": data.get("fallback_text", ""),
                "is_active": data.get("is_active", True),
            }
            _check_only(self._definition, self.instance)
        except ChatError as exc:
            raise forms.ValidationError(exc.message) from None
        return data


def _check_only(definition: dict, instance: BotAction) -> None:
    with transaction.atomic():
        bot_action_save(action=BotAction.objects.get(pk=instance.pk) if instance.pk else None, **definition)
        transaction.set_rollback(True)


class ActionCallInline(admin.TabularInline):
    model = ActionCall
    fields = ["created_at", "outcome", "status_code", "latency_ms", "detail", "conversation"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-id"]


@admin.register(BotAction)
class BotActionAdmin(admin.ModelAdmin):
    form = BotActionForm
    list_display = ["name", "intent", "method", "url_template", "is_active"]
    list_filter = ["is_active", "method"]
    inlines = [ActionCallInline]

    def save_model(self, request: HttpRequest, obj: BotAction, form: BotActionForm, change: bool) -> None:
        saved = bot_action_save(action=obj if change else None, **form._definition)
        obj.pk = saved.pk


@admin.register(ActionCall)
class ActionCallAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["id", "action", "outcome", "status_code", "latency_ms", "conversation", "created_at"]
    list_filter = ["outcome", "action"]
    readonly_fields = [f.name for f in ActionCall._meta.fields]
