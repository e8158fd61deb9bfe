"""The copilot and the console's own state in the REST API: a drafted reply (not streamed), the hand-off summary,
read markers and unread counts, and the agent's notification preferences. Thin over services and selectors."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import selectors, services
from conversations.api.permissions import HasPerm
from conversations.api.serializers import ErrorEnvelope
from conversations.models import Conversation

AGENT_PERM = "conversations.reply_conversation"
ERRORS = {code: OpenApiResponse(ErrorEnvelope, description=text) for code, text in {
    400: "Invalid input", 401: "Not authenticated", 403: "Not allowed", 404: "Not found",
    409: "The conversation is not one the requesting agent has, or has nothing to answer",
}.items()}


def _errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}


class SourceOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    score = serializers.FloatField()
    n = serializers.IntegerField(required=False, help_text="The [n] the draft cites it by.")


class DraftOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text="The drafted reply, with placeholders where personal data was.")
    sources = SourceOut(many=True)
    answer_tier = serializers.CharField(allow_blank=True)
    model_versions = serializers.DictField(child=serializers.IntegerField())
    for_message = serializers.IntegerField(source="for_message_id", help_text="The customer message it answers.")
    outcome = serializers.CharField()
    created_at = serializers.DateTimeField()


class DraftResultOut(serializers.Serializer):
    draft = DraftOut(allow_null=True)
    reason = serializers.CharField(allow_blank=True, help_text="Why there is no draft: the hand-off reason the pipeline gave.")
    message = serializers.CharField(allow_blank=True)


class ConversationDraft(APIView):
    permission_classes = [HasPerm(AGENT_PERM)]

    @extend_schema(summary="Draft a reply to the customer's latest message (the agent who has the conversation)",
                   request=None, responses={201: DraftResultOut, 200: DraftResultOut, **_errors(401, 403, 404, 409)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = get_object_or_404(Conversation, public_id=public_id)
        result = services.draft_create(conversation=conversation, agent=request.user)
        body = {"draft": result.draft, "reason": result.reason, "message": result.message}
        return Response(DraftResultOut(body).data, status=status.HTTP_201_CREATED if result.draft else status.HTTP_200_OK)


class ProvidedOut(serializers.Serializer):
    entry_id = serializers.IntegerField()
    entity_type = serializers.CharField()
    placeholder = serializers.CharField()
    purged = serializers.BooleanField()


class ArticleShownOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class SummaryOut(serializers.Serializer):
    wants = serializers.ListField(child=serializers.CharField(), help_text="Sentences verbatim from the customer's messages.")
    intent = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    articles = ArticleShownOut(many=True)
    handoff_reason = serializers.CharField(allow_blank=True)
    handoff_reason_label = serializers.CharField(allow_blank=True)
    handoff_at = serializers.DateTimeField(allow_null=True)
    provided = ProvidedOut(many=True, help_text="Values the customer gave, as placeholders; originals only through the audited reveal.")
    may_reveal = serializers.BooleanField(help_text="The requester may reveal originals (reveal_pii, audited).")


class ConversationSummary(APIView):
    permission_classes = [HasPerm("conversations.view_conversation")]

    @extend_schema(summary="The hand-off summary of a conversation", responses={200: SummaryOut, **_errors(401, 403, 404)})
    def get(self, request: Request, public_id: str) -> Response:
        conversation = get_object_or_404(Conversation, public_id=public_id)
        return Response(SummaryOut(selectors.handoff_summary(conversation, viewer=request.user).as_json()).data)


class ReadIn(serializers.Serializer):
    message = serializers.IntegerField(min_value=0, required=False, help_text="Read up to this message id (default: the latest).")


class ReadOut(serializers.Serializer):
    last_read_message_id = serializers.IntegerField()
    unread = serializers.IntegerField()


class ConversationRead(APIView):
    permission_classes = [HasPerm(AGENT_PERM)]

    @extend_schema(summary="Mark a conversation read for the requesting agent", request=ReadIn,
                   responses={200: ReadOut, **_errors(400, 401, 403, 404)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = get_object_or_404(Conversation, public_id=public_id)
        data = ReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        marker = services.conversation_mark_read(agent=request.user, conversation=conversation, up_to=data.validated_data.get("message"))
        unread = selectors.unread_counts(request.user, [str(conversation.public_id)]).get(str(conversation.public_id), {"unread": 0})
        return Response({"last_read_message_id": marker, "unread": unread["unread"]})


class UnreadRowOut(serializers.Serializer):
    unread = serializers.IntegerField()
    mine = serializers.BooleanField(help_text="The requesting agent has the conversation.")
    waiting = serializers.BooleanField(help_text="The conversation waits for an agent.")


class UnreadOut(serializers.Serializer):
    conversations = serializers.DictField(child=UnreadRowOut(), help_text="By conversation id, as the socket's unread frame.")


class ConsoleUnread(APIView):
    permission_classes = [HasPerm(AGENT_PERM)]

    @extend_schema(summary="Unread customer messages per queued conversation, for the requesting agent",
                   responses={200: UnreadOut, **_errors(401, 403)})
    def get(self, request: Request) -> Response:
        return Response({"conversations": selectors.unread_counts(request.user)})


class PreferencesIn(serializers.Serializer):
    desktop = serializers.BooleanField(required=False)
    sound = serializers.BooleanField(required=False)


class PreferencesOut(serializers.Serializer):
    desktop = serializers.BooleanField()
    sound = serializers.BooleanField()


class NotificationPreferences(APIView):
    permission_classes = [HasPerm(AGENT_PERM)]

    @extend_schema(summary="The requesting agent's notification preferences", responses={200: PreferencesOut, **_errors(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(selectors.notification_preferences(request.user))

    @extend_schema(summary="Opt in or out of desktop notifications and the sound", request=PreferencesIn,
                   responses={200: PreferencesOut, **_errors(400, 401, 403)})
    def patch(self, request: Request) -> Response:
        # Strict booleans: "yes" or 1 is refused, not read as true.
        body = request.data if isinstance(request.data, dict) else {}
        services.notification_preferences_set(agent=request.user, desktop=body.get("desktop"), sound=body.get("sound"))
        return Response(selectors.notification_preferences(request.user))


urlpatterns = [
    path("conversations/<uuid:public_id>/draft/", ConversationDraft.as_view(), name="conversation-draft"),
    path("conversations/<uuid:public_id>/summary/", ConversationSummary.as_view(), name="conversation-summary"),
    path("conversations/<uuid:public_id>/read/", ConversationRead.as_view(), name="conversation-read"),
    path("console/unread/", ConsoleUnread.as_view(), name="console-unread"),
    path("agents/me/notifications/", NotificationPreferences.as_view(), name="agent-notifications"),
]
