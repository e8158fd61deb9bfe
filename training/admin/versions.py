"""Model versions in admin: activate, roll back, read evaluation reports, explain a message's intent."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from conversations.models import Message
from training.admin.audits import audit_link, request_audits
from training.admin.evaluations import answer_evaluation_link, request_answer_evaluations
from training.admin.knowledge import index_contents
from training.intent.evaluation import evaluation_image
from training.intent.explain import message_explain
from training.models import ModelVersion
from training.registry.versions import version_activate, version_evaluation, version_rollback


@admin.register(ModelVersion)
class ModelVersionAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "version", "is_active", "accuracy", "macro_f1", "serving", index_contents, "report_link", audit_link,
                    answer_evaluation_link, "created_by", "created_at"]
    list_filter = ["kind", "is_active"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["activate", "rollback", request_audits, request_answer_evaluations]

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("training.activate_modelversion")

    def _metric(self, obj: ModelVersion, name: str) -> str:
        value = (obj.metrics.get("evaluation") or {}).get(name)
        return "–" if value is None else f"{value:.4f}"

    @admin.display(description="accuracy")
    def accuracy(self, obj: ModelVersion) -> str:
        return self._metric(obj, "accuracy")

    @admin.display(description="macro-F1")
    def macro_f1(self, obj: ModelVersion) -> str:
        return self._metric(obj, "macro_f1")

    @admin.display(description="serving")
    def serving(self, obj: ModelVersion) -> str:
        return str((obj.metrics.get("serving") or {}).get("serving", "–"))

    @admin.display(description="report")
    def report_link(self, obj: ModelVersion) -> str:
        return format_html('<a href="{}">report</a>', reverse("admin:training_modelversion_report", args=[obj.pk]))

    @admin.action(description="Activate the selected version (one)", permissions=["activate"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        try:
            version = version_activate(version=queryset.get(), user=request.user)
        except ChatError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"{version} is now served; every process switches on its next message.", messages.SUCCESS)

    @admin.action(description="Roll back to the previously active version of this kind", permissions=["activate"])
    def rollback(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        kinds = set(queryset.values_list("kind", flat=True))
        for kind in kinds:
            try:
                version = version_rollback(kind=kind, user=request.user)
            except ChatError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"Rolled back: {version} is served again.", messages.SUCCESS)

    def get_urls(self) -> list:
        return [
            path("<int:pk>/report/", self.admin_site.admin_view(self.report_view), name="training_modelversion_report"),
            path("<int:pk>/report/<str:image>.png", self.admin_site.admin_view(self.image_view), name="training_modelversion_image"),
            path("explain/<int:message_id>/", self.admin_site.admin_view(self.explain_view), name="training_explain_message"),
        ] + super().get_urls()

    def explain_view(self, request: HttpRequest, message_id: int) -> HttpResponse:
        if not request.user.has_perm("conversations.view_message"):
            raise PermissionDenied
        message = get_object_or_404(Message, pk=message_id, role=Message.Role.CUSTOMER)
        result = message_explain(message=message)
        attributions = result[2] if result else []
        peak = max((abs(w.score) for w in attributions), default=0.0) or 1.0
        words = [(w.word, w.score, "30,150,60" if w.score >= 0 else "200,40,40", round(abs(w.score) / peak, 2)) for w in attributions]
        context = {**self.admin_site.each_context(request), "title": "Why this intent?", "message": message,
                   "version": result[0] if result else None, "intent": result[1] if result else None, "words": words,
                   "opts": Message._meta}
        return TemplateResponse(request, "admin/training/explain.html", context)

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(ModelVersion, pk=pk)
        report = version_evaluation(version)
        per_intent = sorted((report or {}).get("per_intent", {}).items())
        context = {**self.admin_site.each_context(request), "title": f"Evaluation of {version}", "version": version,
                   "report": report, "per_intent": per_intent, "opts": self.model._meta}
        return TemplateResponse(request, "admin/training/modelversion/report.html", context)

    def image_view(self, request: HttpRequest, pk: int, image: str) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        path_ = evaluation_image(get_object_or_404(ModelVersion, pk=pk).artifact_path, image)
        if path_ is None:
            raise Http404("No such image for this version.")
        return FileResponse(path_.open("rb"), content_type="image/png")
