"""Webhooks in admin: endpoints (the secret shown once, on creation and rotation), deliveries as records."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.validation import outbound_url_clean
from integrations.webhooks.services import webhook_endpoint_create, webhook_endpoint_update, webhook_secret_rotate


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(max_length=500, help_text="http or https; checked like every outbound call.")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "is_active"]


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["event", "status", "attempts", "status_code", "latency_ms", "last_error", "created_at", "delivered_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-id"]
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).order_by("-id")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "events_display", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    readonly_fields = ["consecutive_failures", "disabled_at", "disabled_reason", "created_by", "created_at", "updated_at"]
    actions = ["rotate_secret"]
    inlines = [WebhookDeliveryInline]

    @admin.display(description="events")
    def events_display(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events or [])

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # The notice that an endpoint was switched off for failing, until someone re-enables it.
        for endpoint in WebhookEndpoint.objects.filter(is_active=False, disabled_at__isnull=False):
            self.message_user(request, f"Webhook endpoint '{endpoint.name}' is disabled: {endpoint.disabled_reason}",
                              messages.WARNING)
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm, change: bool) -> None:
        # Through the services (one door per write); a refused URL becomes a form error via clean() below.
        data = form.cleaned_data
        if change:
            webhook_endpoint_update(endpoint=obj, name=data["name"], url=data["url"], events=data["events"],
                                    is_active=data["is_active"])
            return
        created = webhook_endpoint_create(name=data["name"], url=data["url"], events=data["events"], user=request.user)
        if not data["is_active"]:
            webhook_endpoint_update(endpoint=created, is_active=False)
        obj.pk, obj.secret = created.pk, created.secret
        self.message_user(request, f"Signing secret for '{created.name}' (shown only now; store it): {created.secret}",
                          messages.SUCCESS)

    def get_form(self, request: HttpRequest, obj: WebhookEndpoint | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class Checked(form):  # type: ignore[valid-type,misc]
            def clean_url(self) -> str:
                try:
                    return outbound_url_clean(self.cleaned_data.get("url"))
                except ChatError as exc:
                    raise forms.ValidationError(exc.message) from None

        return Checked

    @admin.action(description="Rotate the signing secret (the new one is shown once)", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            secret = webhook_secret_rotate(endpoint=endpoint)
            self.message_user(request, f"New signing secret for '{endpoint.name}' (shown only now): {secret}", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["id", "endpoint", "event", "status", "attempts", "status_code", "latency_ms", "created_at", "delivered_at"]
    list_filter = ["status", "event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
