"""The unanswered-questions report (content gaps) in the API: JSON, or CSV to open in a spreadsheet."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.permissions import HasPerm
from conversations.api.serializers import ErrorEnvelope
from training.insights.report import report_csv, report_json, report_period, unanswered_report

# People who write and fix articles read the report (staff, integrators).
REPORT_PERM = "conversations.change_knowledgearticle"
PERIOD = [
    OpenApiParameter("since", OpenApiTypes.DATE, description="First day (YYYY-MM-DD), default 13 days before 'until'."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Last day, included (YYYY-MM-DD), default today; at most 366 days."),
]
ERRORS = {400: OpenApiResponse(ErrorEnvelope, description="A malformed date, since after until, or a period over 366 days"),
          401: OpenApiResponse(ErrorEnvelope), 403: OpenApiResponse(ErrorEnvelope)}


class ExampleOut(serializers.Serializer):
    message_id = serializers.IntegerField()
    conversation = serializers.UUIDField()
    text = serializers.CharField(help_text="As stored: personal data replaced by placeholders.")
    reason = serializers.CharField(help_text="The stored hand-off reason.")
    created_at = serializers.DateTimeField()


class NearestArticleOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    score = serializers.FloatField(help_text="Relevance of the article to the cluster's most central question.")
    relevant = serializers.BooleanField(help_text="At or above the served index's floor.")


class ClusterOut(serializers.Serializer):
    size = serializers.IntegerField()
    reasons = serializers.DictField(child=serializers.IntegerField())
    cohesion = serializers.FloatField(help_text="Mean cosine similarity of the questions to the cluster's centre.")
    examples = ExampleOut(many=True)
    nearest_article = NearestArticleOut(allow_null=True)


class ReportOut(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    questions = serializers.IntegerField()
    index_version = serializers.IntegerField(allow_null=True)
    distance_threshold = serializers.FloatField()
    clusters = ClusterOut(many=True)


class UnansweredReportView(APIView):
    permission_classes = [HasPerm(REPORT_PERM)]

    @extend_schema(summary="Unanswered questions, clustered (content gaps)", parameters=PERIOD,
                   responses={200: ReportOut, **ERRORS})
    def get(self, request: Request) -> Response:
        period = report_period(since=request.query_params.get("since"), until=request.query_params.get("until"))
        return Response(ReportOut(report_json(unanswered_report(period=period))).data)


class UnansweredReportCsv(APIView):
    permission_classes = [HasPerm(REPORT_PERM)]

    @extend_schema(summary="Unanswered questions, clustered, as CSV", parameters=PERIOD,
                   responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS})
    def get(self, request: Request) -> HttpResponse:
        period = report_period(since=request.query_params.get("since"), until=request.query_params.get("until"))
        name = f"unanswered-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.csv"
        return HttpResponse(report_csv(unanswered_report(period=period)), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
