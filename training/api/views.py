"""Thin API views over the registry (runs, versions) and each kind's evaluation report."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.permissions import HasPerm, ModelPermissions
from conversations.api.serializers import ErrorEnvelope
from training.api import serializers as s
from training.intent.evaluation import evaluation_image
from training.models import ModelVersion, TrainingRun
from training.registry.runs import StartTraining
from training.registry.versions import version_activate, version_evaluation, version_rollback

ERR = OpenApiResponse(ErrorEnvelope)


class TrainingRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TrainingRunOut
    queryset = TrainingRun.objects.select_related("started_by").order_by("-created_at")
    permission_classes = [ModelPermissions]
    filterset_fields = ["kind", "status"]

    def get_permissions(self):  # noqa: ANN201
        return [HasPerm("training.start_trainingrun")] if self.action == "create" else super().get_permissions()

    @extend_schema(summary="Start a training run (queued for a training worker)", request=s.TrainingRunIn,
                   responses={202: s.TrainingRunOut, 400: ERR, 403: ERR})
    def create(self, request: Request) -> Response:
        data = s.TrainingRunIn(data=request.data)
        data.is_valid(raise_exception=True)
        run = StartTraining(user=request.user, kind=data.validated_data["kind"],
                            parameters=data.validated_data["parameters"]).execute()
        return Response(s.TrainingRunOut(run).data, status=status.HTTP_202_ACCEPTED)


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ModelVersionOut
    queryset = ModelVersion.objects.select_related("created_by").order_by("kind", "-version")
    permission_classes = [ModelPermissions]
    filterset_fields = ["kind", "is_active"]

    def get_permissions(self):  # noqa: ANN201
        if self.action in ("activate", "rollback"):
            return [HasPerm("training.activate_modelversion")]
        return super().get_permissions()

    @extend_schema(summary="Serve this version (every process switches without a restart)", request=s.ActivateIn,
                   responses={200: s.ModelVersionOut, 403: ERR, 404: ERR, 409: ERR})
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        data = s.ActivateIn(data=request.data)
        data.is_valid(raise_exception=True)
        version = version_activate(version=self.get_object(), user=request.user,
                                   override_reason=data.validated_data["override_reason"])
        return Response(s.ModelVersionOut(version).data)

    @extend_schema(summary="Re-activate the previously active version of a kind", request=s.RollbackIn,
                   responses={200: s.ModelVersionOut, 403: ERR, 409: ERR})
    @action(detail=False, methods=["post"])
    def rollback(self, request: Request) -> Response:
        data = s.RollbackIn(data=request.data)
        data.is_valid(raise_exception=True)
        version = version_rollback(kind=data.validated_data["kind"], user=request.user,
                                   override_reason=data.validated_data["override_reason"])
        return Response(s.ModelVersionOut(version).data)

    @extend_schema(summary="The evaluation report (JSON)", responses={200: OpenApiTypes.OBJECT, 404: ERR})
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        body = version_evaluation(self.get_object())
        if body is None:
            raise Http404("This version has no evaluation report.")
        return Response(body)

    @extend_schema(summary="A report image (PNG): confusion_matrix or confidence_histogram", operation_id="model_version_report_image",
                   responses={(200, "image/png"): OpenApiTypes.BINARY, 404: ERR})
    @action(detail=True, methods=["get"], url_path=r"report/(?P<image>confusion_matrix|confidence_histogram)")
    def report_image(self, request: Request, pk: str, image: str) -> FileResponse:
        path = evaluation_image(get_object_or_404(self.get_queryset(), pk=pk).artifact_path, image)
        if path is None:
            raise Http404("This version has no such image.")
        return FileResponse(path.open("rb"), content_type="image/png")
