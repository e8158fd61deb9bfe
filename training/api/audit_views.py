"""Bias audits over the API: request one, read the latest as JSON, download its page as a file."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.api.permissions import HasPerm
from conversations.api.serializers import ErrorEnvelope
from training.audit.page import audit_page_html, page_filename
from training.audit.request import RequestAudit
from training.models import ActivationOverride, BiasAudit, ModelVersion

ERR = OpenApiResponse(ErrorEnvelope)


class ActivationOverrideOut(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ActivationOverride
        fields = ["id", "audit", "audit_state", "user", "reason", "created_at"]
        read_only_fields = fields


class BiasAuditOut(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # Declared: a read-only field derived from the model drops allow_blank, and the schema would deny "" (not decided yet).
    verdict = serializers.ChoiceField(choices=BiasAudit.Verdict.choices, allow_blank=True, read_only=True)
    overrides = serializers.SerializerMethodField()

    class Meta:
        model = BiasAudit
        fields = ["id", "model_version", "status", "trigger", "verdict", "passed", "error", "notes", "attempts",
                  "requested_by", "created_at", "started_at", "finished_at", "overrides", "report"]
        read_only_fields = fields

    def get_overrides(self, audit: BiasAudit) -> list[dict]:
        rows = audit.model_version.activation_overrides.select_related("user")
        return ActivationOverrideOut(rows, many=True).data


def _latest_audit(pk: int) -> BiasAudit:
    version = get_object_or_404(ModelVersion, pk=pk)
    audit = version.audits.select_related("model_version", "requested_by").order_by("-created_at", "-pk").first()
    if audit is None:
        raise Http404("This version has no bias audit.")
    return audit


class ModelVersionAuditView(APIView):
    def get_permissions(self):  # noqa: ANN201
        perm = "training.request_biasaudit" if self.request.method == "POST" else "training.view_biasaudit"
        return [HasPerm(perm)]

    @extend_schema(summary="The latest bias audit of a version: status, verdict, report (JSON)",
                   operation_id="model_version_audit",
                   responses={200: BiasAuditOut, 403: ERR, 404: ERR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(BiasAuditOut(_latest_audit(pk)).data)

    @extend_schema(summary="Audit a version for bias (queued for a training worker)", operation_id="model_version_audit_request",
                   request=None, responses={202: BiasAuditOut, 403: ERR, 404: ERR, 409: ERR})
    def post(self, request: Request, pk: int) -> Response:
        version = get_object_or_404(ModelVersion, pk=pk)
        audit = RequestAudit(user=request.user, version=version).execute()
        return Response(BiasAuditOut(audit).data, status=status.HTTP_202_ACCEPTED)


class ModelVersionAuditPageView(APIView):
    permission_classes = [HasPerm("training.view_biasaudit")]

    @extend_schema(summary="The latest bias audit as a readable HTML file (charts included)",
                   operation_id="model_version_audit_page",
                   responses={(200, "text/html"): OpenApiTypes.BINARY, 403: ERR, 404: ERR})
    def get(self, request: Request, pk: int) -> HttpResponse:
        audit = _latest_audit(pk)
        response = HttpResponse(audit_page_html(audit), content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{page_filename(audit)}"'
        return response
