"""The intent data check in admin, before training: the training-runs page links to a report of the
database examples (texts with two labels, small or imbalanced labels, near-duplicates across labels,
examples that look like another label's). Thin over training.intent.validation."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from training.admin.runs import TrainingRunAdmin
from training.intent.validation import intent_data_validate
from training.ml.common.errors import MLError
from training.models import TrainingRun


class ValidatingTrainingRunAdmin(TrainingRunAdmin):
    change_list_template = "admin/training/trainingrun/change_list_with_validation.html"

    def get_urls(self) -> list:
        check = path("validate-intents/", self.admin_site.admin_view(self.validate_view),
                     name="training_trainingrun_validate_intents")
        return [check, *super().get_urls()]

    def validate_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        encoder = request.GET.get("encoder", "1") != "0"
        context = {**self.admin_site.each_context(request), "title": "Intent training data check", "opts": self.model._meta,
                   "encoder": encoder}
        try:
            report = intent_data_validate(encoder=encoder)
        except MLError as exc:
            context["failure"] = str(exc)
        else:
            context.update(report=report, findings=report.findings, label_counts=sorted(report.label_counts.items()))
        return TemplateResponse(request, "admin/training/trainingrun/validate_intents.html", context)


admin.site.unregister(TrainingRun)
admin.site.register(TrainingRun, ValidatingTrainingRunAdmin)
