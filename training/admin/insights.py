"""The unanswered-questions report as a staff page in admin, with its period filter and CSV export."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from conversations.errors import ChatError
from training.insights.report import report_csv, report_period, unanswered_report

REPORT_PERM = "conversations.change_knowledgearticle"


def unanswered_report_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(REPORT_PERM):
        raise PermissionDenied
    since, until = request.GET.get("since", ""), request.GET.get("until", "")
    context = {**admin.site.each_context(request), "title": "Unanswered questions (content gaps)", "since": since, "until": until,
               "csv_url": reverse("admin-unanswered-report-csv")}
    try:
        period = report_period(since=since, until=until)
    except ChatError as exc:
        return TemplateResponse(request, "admin/training/unanswered.html", {**context, "error": exc.message}, status=400)
    if request.GET.get("export") == "csv":
        return HttpResponse(report_csv(unanswered_report(period=period)), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="unanswered.csv"'})
    report = unanswered_report(period=period)
    context |= {"report": report, "since": period.first_day.isoformat(), "until": period.last_day.isoformat()}
    return TemplateResponse(request, "admin/training/unanswered.html", context)


def unanswered_report_csv(request: HttpRequest) -> HttpResponse:
    request.GET = request.GET.copy()
    request.GET["export"] = "csv"
    return unanswered_report_page(request)


urlpatterns = [
    path("", admin.site.admin_view(unanswered_report_page), name="admin-unanswered-report"),
    path("csv/", admin.site.admin_view(unanswered_report_csv), name="admin-unanswered-report-csv"),
]
