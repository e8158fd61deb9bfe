"""Thin API views over conversations.services and selectors."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, parsers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import imports, selectors, services
from conversations.api import serializers as s
from conversations.api.filters import ConversationFilter, TrainingExampleFilter
from conversations.api.permissions import CustomerOrPerm, HasPerm, ModelPermissions
from conversations.api.throttles import PublicRateThrottle
from conversations.models import Conversation, Intent, KnowledgeArticle, TrainingExample

ERRORS = {code: OpenApiResponse(s.ErrorEnvelope, description=text) for code, text in {
    400: "Invalid input", 401: "Not authenticated", 403: "Not allowed", 404: "Not found", 409: "Conflict with the conversation's state",
}.items()}


def _errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}


class ConversationMixin:
    def get_conversation(self, request: Request, public_id: str, perm: str) -> Conversation:
        conversation = get_object_or_404(Conversation, public_id=public_id)
        checker = CustomerOrPerm(perm)
        if not checker.has_object_permission(request, self, conversation):  # type: ignore[arg-type]
            self.permission_denied(request, message=checker.message)  # type: ignore[attr-defined]
        return conversation


class ConversationListCreate(generics.ListAPIView):
    serializer_class = s.ConversationListOut
    filterset_class = ConversationFilter
    throttle_scope = "public_create"

    def get_queryset(self):  # noqa: ANN201
        return selectors.conversation_list().prefetch_related("tags")

    def get_permissions(self):  # noqa: ANN201
        return [AllowAny()] if self.request.method == "POST" else [HasPerm("conversations.view_conversation")]

    def get_throttles(self):  # noqa: ANN201
        return [PublicRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(summary="Start a conversation", request=s.ConversationCreateIn,
                   responses={201: s.ConversationCreatedOut, **_errors(400)}, auth=[])
    def post(self, request: Request) -> Response:
        data = s.ConversationCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = services.conversation_create(channel=data.validated_data["channel"])
        return Response(s.ConversationCreatedOut(conversation).data, status=status.HTTP_201_CREATED)


class ConversationDetail(ConversationMixin, APIView):
    permission_classes = [AllowAny]  # checked per object: the customer or an agent

    @extend_schema(summary="A conversation with its transcript", responses={200: s.ConversationDetailOut, **_errors(401, 403, 404)})
    def get(self, request: Request, public_id: str) -> Response:
        conversation = self.get_conversation(request, public_id, "conversations.view_conversation")
        data = s.ConversationOut(conversation).data
        data["messages"] = s.MessageOut(selectors.transcript(conversation), many=True).data
        return Response(data)


class ConversationMessages(ConversationMixin, APIView):
    permission_classes = [AllowAny]
    throttle_scope = "public_message"

    def get_throttles(self):  # noqa: ANN201
        return [PublicRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(summary="The transcript's messages", responses={200: s.MessageOut(many=True), **_errors(401, 403, 404)})
    def get(self, request: Request, public_id: str) -> Response:
        conversation = self.get_conversation(request, public_id, "conversations.view_conversation")
        return Response(s.MessageOut(selectors.transcript(conversation), many=True).data)

    @extend_schema(summary="Send a customer message and get the reply", request=s.MessageIn,
                   responses={201: s.ExchangeOut, 200: OpenApiResponse(s.ExchangeOut, description="Already received (same client_message_id)"),
                              **_errors(400, 401, 403, 404, 409)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = self.get_conversation(request, public_id, "conversations.add_conversation")
        data = s.MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        exchange = services.customer_message_receive(
            conversation=conversation, text=data.validated_data["text"], client_message_id=data.validated_data.get("client_message_id")
        )
        conversation.refresh_from_db()
        body = {"message": s.MessageOut(exchange.message).data, "reply": s.MessageOut(exchange.reply).data if exchange.reply else None,
                "conversation": s.ConversationOut(conversation).data}
        return Response(body, status=status.HTTP_201_CREATED if exchange.created else status.HTTP_200_OK)


class ConversationClose(ConversationMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Close a conversation", request=None, responses={200: s.ConversationOut, **_errors(401, 403, 404, 409)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = self.get_conversation(request, public_id, "conversations.change_conversation")
        return Response(s.ConversationOut(services.conversation_close(conversation=conversation)).data)


class ConversationForget(ConversationMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="End and forget a conversation: closed, its token revoked, its personal values erased",
                   request=None, responses={204: None, **_errors(401, 403, 404)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = self.get_conversation(request, public_id, "conversations.change_conversation")
        services.conversation_forget(conversation=conversation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationRate(ConversationMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Rate a conversation (1-5)", request=s.RatingIn, responses={200: s.ConversationOut, **_errors(400, 401, 403, 404)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = self.get_conversation(request, public_id, "conversations.change_conversation")
        data = s.RatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = services.conversation_rate(conversation=conversation, rating=data.validated_data["rating"],
                                                  comment=data.validated_data.get("comment"))
        return Response(s.ConversationOut(conversation).data)


class IntentViewSet(viewsets.ModelViewSet):
    serializer_class = s.IntentSerializer
    permission_classes = [ModelPermissions]
    queryset = Intent.objects.annotate(example_count=Count("examples")).order_by("name")
    filterset_fields = ["name", "requests_human"]


class TrainingExampleViewSet(viewsets.ModelViewSet):
    serializer_class = s.TrainingExampleSerializer
    permission_classes = [ModelPermissions]
    queryset = TrainingExample.objects.select_related("intent").order_by("id")
    filterset_class = TrainingExampleFilter

    def perform_create(self, serializer: s.TrainingExampleSerializer) -> None:
        serializer.save(source=TrainingExample.Source.IMPORT, created_by=self.request.user)


class TrainingExampleImport(APIView):
    permission_classes = [HasPerm("conversations.add_trainingexample")]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(summary="Import examples from a CSV (all or nothing)", request={"multipart/form-data": s.ImportIn},
                   responses={201: s.ImportOut, **_errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = s.ImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = imports.examples_import_csv(data=data.validated_data["file"].read(), user=request.user)
        return Response(s.ImportOut(result).data, status=status.HTTP_201_CREATED)


class KnowledgeArticleViewSet(viewsets.ModelViewSet):
    serializer_class = s.KnowledgeArticleSerializer
    permission_classes = [ModelPermissions]
    queryset = KnowledgeArticle.objects.prefetch_related("intents").order_by("title")
    filterset_fields = ["published", "slug"]
