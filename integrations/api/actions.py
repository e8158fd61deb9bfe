"""Bot actions over REST: staff and integrators define them (model permissions); agents cannot."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from conversations.api.permissions import HasPerm, ModelPermissions
from conversations.api.serializers import ErrorEnvelope
from integrations.actions.services import bot_action_save
from integrations.api import serializers as s
from integrations.models import BotAction

ERR = OpenApiResponse(ErrorEnvelope)
RECENT_CALLS = 100


class BotActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = s.BotActionOut
    queryset = BotAction.objects.select_related("intent").order_by("name", "id")
    permission_classes = [ModelPermissions]

    def get_permissions(self):
        return [HasPerm("integrations.view_actioncall")] if self.action == "calls" else super().get_permissions()

    @extend_schema(summary="Attach an HTTP action to an intent", request=s.BotActionIn,
                   responses={201: s.BotActionOut, 400: ERR, 401: ERR, 403: ERR})
    def create(self, request: Request) -> Response:
        data = s.BotActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        created = bot_action_save(**data.validated_data)
        return Response(s.BotActionOut(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Replace an action's definition (conversations waiting for its parameters start over)",
                   request=s.BotActionIn, responses={200: s.BotActionOut, 400: ERR, 401: ERR, 403: ERR, 404: ERR})
    def update(self, request: Request, pk: str) -> Response:
        data = s.BotActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        saved = bot_action_save(action=self.get_object(), **data.validated_data)
        return Response(s.BotActionOut(saved).data)

    @extend_schema(summary="The action's most recent calls (outcome, status, latency; never the values)",
                   responses={200: s.ActionCallOut(many=True), 401: ERR, 403: ERR, 404: ERR})
    @action(detail=True, methods=["get"], pagination_class=None)  # the most recent ones, not pages
    def calls(self, request: Request, pk: str) -> Response:
        rows = self.get_object().calls.order_by("-id")[:RECENT_CALLS]
        return Response(s.ActionCallOut(rows, many=True).data)
