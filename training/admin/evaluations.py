"""Answer evaluations in admin: per version, their figures per tier, the full reports to download,
evaluations on demand and activation with a recorded override of the answer-quality gate."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from training.evaluation.job import report_file
from training.models import AnswerEvaluation, ModelVersion
from training.registry.answer_gate import answer_evaluation_queue
from training.registry.versions import version_activate

TIERS = ("extractive", "generative")
FIGURES = ("answer_accuracy", "citation_accuracy", "unsupported_sentence_rate", "handoff_recall", "human_recall",
           "false_handoff_rate", "ttft_ms_p50", "ttft_ms_p95")


@admin.action(description="Evaluate the selected responder versions' answers (dev split)")
def request_answer_evaluations(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
    if not request.user.has_perm("training.activate_modelversion"):
        modeladmin.message_user(request, "Requesting an answer evaluation needs the 'activate_modelversion' permission.",
                                messages.ERROR)
        return
    for version in queryset:
        try:
            evaluation = answer_evaluation_queue(version=version, user=request.user)
        except ChatError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
        else:
            modeladmin.message_user(request, f"Answer evaluation #{evaluation.pk} of {version} is queued.", messages.SUCCESS)


def _verdict(evaluation: AnswerEvaluation) -> str:
    if evaluation.status != AnswerEvaluation.Status.SUCCEEDED:
        return evaluation.get_status_display()
    tier = (evaluation.summary or {}).get("serving_tier", "?")
    return f"{'passed' if evaluation.passed else 'failed'} ({tier} answers)"


@admin.display(description="answer evaluation")
def answer_evaluation_link(version: ModelVersion) -> str:
    evaluation = version.answer_evaluations.order_by("-created_at", "-pk").first()
    if evaluation is None:
        return "–"
    return format_html('<a href="{}">{}</a>', reverse("admin:training_answerevaluation_change", args=[evaluation.pk]),
                       _verdict(evaluation))


@admin.register(AnswerEvaluation)
class AnswerEvaluationAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["id", "model_version", "status", "verdict", "extractive_accuracy", "generative_accuracy", "trigger",
                    "created_at", "finished_at", "downloads"]
    list_filter = ["status", "passed", "serves_answers", "trigger"]
    exclude = ["summary"]
    readonly_fields = [*(f.name for f in AnswerEvaluation._meta.fields if f.name != "summary"), "figures", "reasons", "downloads",
                       "override"]

    @admin.display(description="verdict")
    def verdict(self, obj: AnswerEvaluation) -> str:
        return _verdict(obj)

    def _accuracy(self, obj: AnswerEvaluation, tier: str) -> str:
        value = ((obj.summary or {}).get("tiers", {}).get(tier) or {}).get("answer_accuracy")
        return "–" if value is None else f"{value:.4f}"

    @admin.display(description="extractive answer accuracy")
    def extractive_accuracy(self, obj: AnswerEvaluation) -> str:
        return self._accuracy(obj, "extractive")

    @admin.display(description="generative answer accuracy")
    def generative_accuracy(self, obj: AnswerEvaluation) -> str:
        return self._accuracy(obj, "generative")

    @admin.display(description="figures per tier (dev split)")
    def figures(self, obj: AnswerEvaluation) -> str:
        tiers = (obj.summary or {}).get("tiers", {})
        header = format_html_join("", "<th>{}</th>", ((t,) for t in TIERS))
        cells = {key: format_html_join("", "<td>{}</td>", ((_shown((tiers.get(t) or {}).get(key)),) for t in TIERS))
                 for key in FIGURES}
        rows = format_html_join("", "<tr><td>{}</td>{}</tr>", cells.items())
        floors = json.dumps((obj.summary or {}).get("floors", {}))
        return format_html("<table><tr><th></th>{}</tr>{}</table><p>floors: {}</p>", header, rows, floors)

    @admin.display(description="why")
    def reasons(self, obj: AnswerEvaluation) -> str:
        summary = obj.summary or {}
        lines = [summary.get("why_tier", ""), *summary.get("misses", []), summary.get("activation", "")]
        stories = summary.get("stories") or {}
        if stories:
            lines.append(f"conversation tests: {stories.get('turns', 0)} turns, {stories.get('failed', 0)} failed")
            lines += [f"{f['where']}: {d['key']} expected {d['expected']!r}, observed {d['observed']!r}"
                      for f in stories.get("failures", []) for d in f["diffs"]]
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines if line)) or "–"

    @admin.display(description="reports")
    def downloads(self, obj: AnswerEvaluation) -> str:
        links = [(reverse("admin:training_answerevaluation_download", args=[obj.pk, t]), t) for t in TIERS
                 if obj.report_path and report_file(obj, t).is_file()]
        return format_html_join(" ", '<a href="{}" download>{}.json</a>', links) or "–"

    @admin.display(description="activate with an override")
    def override(self, obj: AnswerEvaluation) -> str:
        if obj.passed or obj.model_version.is_active:
            return "–"
        url = reverse("admin:training_answerevaluation_override", args=[obj.pk])
        return format_html('<a href="{}">Activate {} despite this evaluation…</a> (needs the permission '
                           "'override_answer_gate'; your reason is recorded)", url, obj.model_version)

    def get_urls(self) -> list:
        return [
            path("<int:pk>/download/<str:tier>/", self.admin_site.admin_view(self.download_view),
                 name="training_answerevaluation_download"),
            path("<int:pk>/override/", self.admin_site.admin_view(self.override_view), name="training_answerevaluation_override"),
        ] + super().get_urls()

    def download_view(self, request: HttpRequest, pk: int, tier: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        evaluation = get_object_or_404(AnswerEvaluation, pk=pk)
        file = report_file(evaluation, tier) if tier in TIERS and evaluation.report_path else None
        if file is None or not file.is_file():
            raise Http404("No such report.")
        return FileResponse(file.open("rb"), as_attachment=True, filename=f"answer-evaluation-{pk}-{tier}.json",
                            content_type="application/json")

    def override_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = get_object_or_404(AnswerEvaluation.objects.select_related("model_version"), pk=pk)
        user = request.user
        if not (user.has_perm("training.activate_modelversion") and user.has_perm("training.override_answer_gate")):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:training_answerevaluation_change", args=[pk]))
        if request.method != "POST":
            title = f"Override the answer-quality gate for {evaluation.model_version}"
            context = {**self.admin_site.each_context(request), "opts": self.model._meta, "evaluation": evaluation,
                       "verdict": _verdict(evaluation), "title": title}
            return TemplateResponse(request, "admin/training/answerevaluation/override.html", context)
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "Give a reason for the override.", messages.ERROR)
            return back
        try:
            version = version_activate(version=evaluation.model_version, user=user, override_reason=reason)
        except ChatError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"{version} is now served; your override is recorded.", messages.SUCCESS)
        return back


def _shown(value: object) -> str:
    return "–" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value))
