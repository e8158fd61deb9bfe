"""Bias audits in admin: the readable report with charts, audits on demand, activation with an override."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from training.audit.page import report_context
from training.audit.request import RequestAudit
from training.models import ActivationOverride, BiasAudit, ModelVersion
from training.registry.versions import version_activate


@admin.action(description="Audit the selected versions for bias")
def request_audits(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
    if not request.user.has_perm("training.request_biasaudit"):
        modeladmin.message_user(request, "Requesting a bias audit needs the 'request_biasaudit' permission.", messages.ERROR)
        return
    for version in queryset:
        try:
            audit = RequestAudit(user=request.user, version=version).execute()
        except ChatError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
        else:
            modeladmin.message_user(request, f"Audit #{audit.pk} of {version} is queued.", messages.SUCCESS)


@admin.display(description="bias audit")
def audit_link(version: ModelVersion) -> str:
    audit = version.audits.order_by("-created_at", "-pk").first()
    if audit is None:
        return "–"
    label = audit.get_verdict_display() if audit.verdict else audit.get_status_display()
    return format_html('<a href="{}">{}</a>', reverse("admin:training_biasaudit_report", args=[audit.pk]), label)


@admin.register(BiasAudit)
class BiasAuditAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["id", "model_version", "status", "verdict", "trigger", "requested_by", "created_at", "finished_at",
                    "report_link"]
    list_filter = ["status", "verdict", "trigger", "model_version__kind"]
    # The report itself is read on the report page, not as raw JSON.
    readonly_fields = [f.name for f in BiasAudit._meta.fields if f.name != "report"]
    exclude = ["report"]

    @admin.display(description="report")
    def report_link(self, obj: BiasAudit) -> str:
        return format_html('<a href="{}">report</a>', reverse("admin:training_biasaudit_report", args=[obj.pk]))

    def get_urls(self) -> list:
        return [
            path("<int:pk>/report/", self.admin_site.admin_view(self.report_view), name="training_biasaudit_report"),
            path("<int:pk>/override/", self.admin_site.admin_view(self.override_view), name="training_biasaudit_override"),
        ] + super().get_urls()

    def _can_override(self, request: HttpRequest, audit: BiasAudit) -> bool:
        user = request.user
        return (not audit.passed and not audit.model_version.is_active and user.has_perm("training.activate_modelversion")
                and user.has_perm("training.override_audit_gate"))

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        audit = get_object_or_404(BiasAudit.objects.select_related("model_version", "requested_by"), pk=pk)
        context = {**self.admin_site.each_context(request), **report_context(audit), "opts": self.model._meta,
                   "title": f"Bias audit #{audit.pk} of {audit.model_version}",
                   "can_override": self._can_override(request, audit)}
        return TemplateResponse(request, "admin/training/biasaudit/report.html", context)

    def override_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = get_object_or_404(BiasAudit.objects.select_related("model_version"), pk=pk)
        if request.method != "POST" or not self._can_override(request, audit):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:training_biasaudit_report", args=[pk]))
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "Give a reason for the override.", messages.ERROR)
            return back
        try:
            version = version_activate(version=audit.model_version, user=request.user, override_reason=reason)
        except ChatError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"{version} is now served; your override is recorded.", messages.SUCCESS)
        return back


@admin.register(ActivationOverride)
class ActivationOverrideAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "model_version", "gate", "audit_state", "audit", "answer_evaluation", "user", "reason"]
    list_filter = ["gate", "audit_state"]
    readonly_fields = [f.name for f in ActivationOverride._meta.fields]
