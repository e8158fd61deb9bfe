"""Webhook endpoints over REST: staff and integrators manage them (model permissions); agents cannot."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.permissions import HasPerm, ModelPermissions
from conversations.api.serializers import ErrorEnvelope
from integrations.api import serializers as s
from integrations.models import WebhookEndpoint
from integrations.webhooks.services import webhook_endpoint_create, webhook_endpoint_update, webhook_secret_rotate

ERR = OpenApiResponse(ErrorEnvelope)
RECENT_DELIVERIES = 100


class WebhookEndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                             viewsets.GenericViewSet):
    serializer_class = s.WebhookEndpointOut
    queryset = WebhookEndpoint.objects.order_by("name", "id")
    permission_classes = [ModelPermissions]

    def get_permissions(self):
        if self.action == "rotate_secret":
            return [HasPerm("integrations.change_webhookendpoint")]
        if self.action == "deliveries":
            return [HasPerm("integrations.view_webhookdelivery")]
        return super().get_permissions()

    @extend_schema(summary="Register a webhook endpoint (its signing secret is in this answer only)", request=s.WebhookEndpointIn,
                   responses={201: s.WebhookEndpointCreatedOut, 400: ERR, 401: ERR, 403: ERR})
    def create(self, request: Request) -> Response:
        data = s.WebhookEndpointIn(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(user=request.user, **data.validated_data)
        return Response(s.WebhookEndpointCreatedOut(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change an endpoint (is_active: true re-enables a disabled one)", request=s.WebhookEndpointPatch,
                   responses={200: s.WebhookEndpointOut, 400: ERR, 401: ERR, 403: ERR, 404: ERR})
    def partial_update(self, request: Request, pk: str) -> Response:
        data = s.WebhookEndpointPatch(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(endpoint=self.get_object(), **data.validated_data)
        return Response(s.WebhookEndpointOut(endpoint).data)

    @extend_schema(summary="Replace the signing secret (the new one is in this answer only)", request=None,
                   responses={200: s.WebhookSecretOut, 401: ERR, 403: ERR, 404: ERR})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        return Response({"secret": webhook_secret_rotate(endpoint=self.get_object())})

    @extend_schema(summary="The endpoint's most recent deliveries", responses={200: s.WebhookDeliveryOut(many=True), 401: ERR, 403: ERR, 404: ERR})
    @action(detail=True, methods=["get"], pagination_class=None)  # the most recent ones, not pages
    def deliveries(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        rows = endpoint.deliveries.order_by("-id")[:RECENT_DELIVERIES]
        return Response(s.WebhookDeliveryOut(rows, many=True).data)
