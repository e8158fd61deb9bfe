"""Training runs in admin: start one from the kinds that offer it, watch its progress."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from conversations.admin.mixins import RecordAdminMixin
from conversations.errors import ChatError
from training.kinds import kind_specs
from training.models import TrainingRun
from training.registry.runs import StartTraining


def _admin_choices() -> list[tuple[str, str]]:
    return [(spec.name, spec.admin_choice) for spec in kind_specs() if spec.admin_choice]


@admin.register(TrainingRun)
class TrainingRunAdmin(RecordAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "status", "progress_display", "model_version", "started_by", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in TrainingRun._meta.fields] + ["progress_display"]
    change_list_template = "admin/training/trainingrun/change_list.html"

    @admin.display(description="progress")
    def progress_display(self, obj: TrainingRun) -> str:
        p = obj.progress or {}
        if not p:
            return "–"
        if "stage" in p:  # index builds report stages, not steps
            return str(p["stage"]) + (f" (v{p['active_version']} already indexes this)" if "active_version" in p else "")
        eta = p.get("eta_seconds")
        eta_text = f", about {int(eta // 60)} min {int(eta % 60)} s left" if eta and obj.status == TrainingRun.Status.RUNNING else ""
        return (f"step {p.get('step')}/{p.get('total_steps')}, epoch {p.get('epoch')}/{p.get('total_epochs')}, "
                f"loss {p.get('loss', 0):.4f}{eta_text}")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        return super().changelist_view(request, extra_context={**(extra_context or {}), "kind_choices": _admin_choices()})

    def get_urls(self) -> list:
        return [path("start/", self.admin_site.admin_view(self.start_view), name="training_trainingrun_start")] + super().get_urls()

    def start_view(self, request: HttpRequest) -> HttpResponse:
        back = HttpResponseRedirect(reverse("admin:training_trainingrun_changelist"))
        if request.method != "POST":
            return back
        parameters: dict = {"activate": request.POST.get("activate") == "on"}
        choices = dict(_admin_choices())
        kind = request.POST.get("kind") or next(iter(choices), "")
        if kind not in choices:
            self.message_user(request, f"Choose one of: {', '.join(choices.values())}.", messages.ERROR)
            return back
        for name, cast in (("epochs", int), ("base_model", str)):
            if request.POST.get(name):
                try:
                    parameters[name] = cast(request.POST[name])
                except ValueError:
                    self.message_user(request, f"{name} must be a whole number.", messages.ERROR)
                    return back
        try:
            run = StartTraining(user=request.user, kind=kind, parameters=parameters).execute()
        except PermissionDenied:
            raise
        except ChatError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"Training run {run.pk} is queued; this page shows its progress.", messages.SUCCESS)
        return back
