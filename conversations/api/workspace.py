"""The agent workspace over REST: canned replies, private notes, tags, transfer, availability, business
hours, the customer's contact e-mail and the CSAT report. Thin over services (writes) and selectors (reads)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import selectors
from conversations.api.permissions import HasPerm
from conversations.api.serializers import ConversationOut
from conversations.api.views import ConversationMixin, _errors
from conversations.models import AgentNote, CannedReply, Conversation, ConversationAssignment
from conversations.services import annotations, assignment, availability, canned

# --- serializers ---------------------------------------------------------------------------------------


class CannedReplyOut(serializers.ModelSerializer):
    rendered = serializers.SerializerMethodField(help_text="The text with its variables filled, when ?conversation= names one.")

    class Meta:
        model = CannedReply
        fields = ["id", "title", "shortcut", "text", "rendered", "updated_at"]
        read_only_fields = fields

    def get_rendered(self, obj: CannedReply) -> str | None:
        conversation = self.context.get("conversation")
        if conversation is None:
            return None
        return selectors.canned_reply_render(obj.text, agent=self.context["request"].user, conversation=conversation)


class CannedReplyIn(serializers.Serializer):
    # Checked by the service (services/canned.py), so that the admin and the API refuse the same things.
    title = serializers.JSONField(help_text="1 to 120 characters.")
    shortcut = serializers.JSONField(help_text="Typed after '/': lower-case letters, digits, '-' or '_'.")
    text = serializers.JSONField(help_text="1 to 2000 characters; variables {{agent.first_name}}, {{conversation.id}}, {{business.hours}}.")


class NoteOut(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = AgentNote
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = fields


class NoteIn(serializers.Serializer):
    text = serializers.JSONField(help_text="1 to 5000 characters; anonymized before it is stored.")


class TagIn(serializers.Serializer):
    name = serializers.JSONField(help_text="1 to 40 letters, digits, spaces, '-' or '_'.")


class TagsOut(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField())


class TagCountOut(serializers.Serializer):
    name = serializers.CharField()
    conversations = serializers.IntegerField()


class TransferIn(serializers.Serializer):
    to_agent = serializers.JSONField(allow_null=True, help_text="The agent's user name; null puts it back in the unassigned queue.")
    note = serializers.JSONField(required=False, default="", help_text="Why (at most 255 characters).")


class TransferOut(serializers.ModelSerializer):
    from_agent = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    to_agent = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ConversationAssignment
        fields = ["id", "from_agent", "to_agent", "by", "note", "created_at"]
        read_only_fields = fields


class AvailabilityIn(serializers.Serializer):
    availability = serializers.JSONField(help_text="'online' or 'away'.")


class AvailabilityOut(serializers.Serializer):
    availability = serializers.CharField()
    agents_online = serializers.IntegerField()


class OpeningOut(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 Monday to 6 Sunday")
    opens = serializers.CharField(help_text="HH:MM, in the business's time zone")
    closes = serializers.CharField(help_text="HH:MM, in the business's time zone")


class BusinessHoursIO(serializers.Serializer):
    time_zone = serializers.JSONField(help_text="An IANA time zone, e.g. Europe/London.")
    hours = serializers.JSONField(help_text="[{weekday 0-6, opens HH:MM, closes HH:MM}]; several a day allowed.")


class BusinessHoursOut(serializers.Serializer):
    time_zone = serializers.CharField()
    hours = OpeningOut(many=True)
    text = serializers.CharField()
    open_now = serializers.BooleanField()
    next_opening = serializers.DateTimeField(allow_null=True)


class ContactEmailIn(serializers.Serializer):
    email = serializers.JSONField(help_text="Where the answer may be sent; only its placeholder is stored.")


class CsatFigureOut(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)


class CsatAgentOut(CsatFigureOut):
    agent = serializers.CharField()


class CsatCommentOut(serializers.Serializer):
    conversation = serializers.UUIDField()
    rating = serializers.IntegerField()
    comment = serializers.CharField(help_text="As stored: anonymized.")
    rated_at = serializers.DateTimeField(allow_null=True)


class CsatReportOut(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    bot_only = CsatFigureOut()
    with_agent = CsatFigureOut()
    per_agent = CsatAgentOut(many=True)
    comments = CsatCommentOut(many=True, help_text="The period's latest 20 comments.")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _conversation(public_id: str) -> Conversation:
    return get_object_or_404(Conversation, public_id=public_id)


# --- canned replies ---------------------------------------------------------------------------------------

CONVERSATION_PARAM = OpenApiParameter("conversation", OpenApiTypes.UUID, description="Fill the variables for this conversation.")


class CannedReplyList(APIView):
    def get_permissions(self):  # noqa: ANN201
        return [HasPerm("conversations.add_cannedreply" if self.request.method == "POST" else "conversations.view_cannedreply")]

    @extend_schema(summary="Canned replies (agents insert them with /shortcut)", parameters=[
        CONVERSATION_PARAM, OpenApiParameter("q", OpenApiTypes.STR, description="Shortcut or title contains")],
        responses={200: CannedReplyOut(many=True), **_errors(400, 401, 403, 404)})
    def get(self, request: Request) -> Response:
        context = {"request": request}
        public_id = request.query_params.get("conversation")
        if public_id:
            try:
                context["conversation"] = _conversation(serializers.UUIDField().to_internal_value(public_id))
            except serializers.ValidationError:
                raise serializers.ValidationError({"conversation": "Not a conversation id."}) from None
        search = request.query_params.get("q", "")[:40].replace("\x00", "")
        return Response(CannedReplyOut(selectors.canned_replies(search=search), many=True, context=context).data)

    @extend_schema(summary="Add a canned reply (staff)", request=CannedReplyIn, responses={201: CannedReplyOut, **_errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = _valid(CannedReplyIn, request)
        row = canned.canned_reply_save(title=data["title"], shortcut=data["shortcut"], text=data["text"], user=request.user)
        return Response(CannedReplyOut(row, context={"request": request}).data, status=status.HTTP_201_CREATED)


class CannedReplyDetail(APIView):
    def get_permissions(self):  # noqa: ANN201
        perm = {"GET": "view", "PUT": "change", "DELETE": "delete"}.get(self.request.method, "change")
        return [HasPerm(f"conversations.{perm}_cannedreply")]

    @extend_schema(summary="A canned reply", responses={200: CannedReplyOut, **_errors(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CannedReplyOut(get_object_or_404(CannedReply, pk=pk), context={"request": request}).data)

    @extend_schema(summary="Change a canned reply (staff)", request=CannedReplyIn, responses={200: CannedReplyOut, **_errors(400, 401, 403, 404)})
    def put(self, request: Request, pk: int) -> Response:
        row = get_object_or_404(CannedReply, pk=pk)
        data = _valid(CannedReplyIn, request)
        row = canned.canned_reply_save(title=data["title"], shortcut=data["shortcut"], text=data["text"], user=request.user, canned=row)
        return Response(CannedReplyOut(row, context={"request": request}).data)

    @extend_schema(summary="Delete a canned reply (staff)", responses={204: None, **_errors(401, 403, 404)})
    def delete(self, request: Request, pk: int) -> Response:
        canned.canned_reply_delete(canned=get_object_or_404(CannedReply, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- notes, tags, transfer --------------------------------------------------------------------------------


class ConversationNotes(APIView):
    """Private notes: agents only. A customer's token never reads them (403), whatever conversation it names."""

    def get_permissions(self):  # noqa: ANN201
        return [HasPerm("conversations.add_agentnote" if self.request.method == "POST" else "conversations.view_agentnote")]

    @extend_schema(summary="A conversation's private notes (agents only)", responses={200: NoteOut(many=True), **_errors(401, 403, 404)})
    def get(self, request: Request, public_id: str) -> Response:
        return Response(NoteOut(selectors.conversation_notes(_conversation(public_id)), many=True).data)

    @extend_schema(summary="Add a private note", request=NoteIn, responses={201: NoteOut, **_errors(400, 401, 403, 404)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = _conversation(public_id)
        note = annotations.note_add(conversation=conversation, author=request.user, text=_valid(NoteIn, request)["text"])
        return Response(NoteOut(note).data, status=status.HTTP_201_CREATED)


class ConversationTags(APIView):
    def get_permissions(self):  # noqa: ANN201
        return [HasPerm("conversations.add_tag" if self.request.method == "POST" else "conversations.view_tag")]

    @extend_schema(summary="A conversation's tags", responses={200: TagsOut, **_errors(401, 403, 404)})
    def get(self, request: Request, public_id: str) -> Response:
        return Response({"tags": selectors.conversation_tags(_conversation(public_id))})

    @extend_schema(summary="Tag a conversation", request=TagIn, responses={201: TagsOut, **_errors(400, 401, 403, 404)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = _conversation(public_id)
        annotations.tag_add(conversation=conversation, name=_valid(TagIn, request)["name"])
        return Response({"tags": selectors.conversation_tags(conversation)}, status=status.HTTP_201_CREATED)


class ConversationTag(APIView):
    permission_classes = [HasPerm("conversations.add_tag")]

    @extend_schema(summary="Remove a tag from a conversation", responses={204: None, **_errors(400, 401, 403, 404)})
    def delete(self, request: Request, public_id: str, name: str) -> Response:
        annotations.tag_remove(conversation=_conversation(public_id), name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagList(APIView):
    permission_classes = [HasPerm("conversations.view_tag")]

    @extend_schema(summary="Tags and how many conversations carry each", responses={200: TagCountOut(many=True), **_errors(401, 403)})
    def get(self, request: Request) -> Response:
        return Response([{"name": name, "conversations": n} for name, n in selectors.tag_counts()])


class ConversationTransfer(APIView):
    permission_classes = [HasPerm("conversations.transfer_conversation")]

    @extend_schema(summary="A conversation's transfer history", responses={200: TransferOut(many=True), **_errors(401, 403, 404)})
    def get(self, request: Request, public_id: str) -> Response:
        return Response(TransferOut(selectors.conversation_transfers(_conversation(public_id)), many=True).data)

    @extend_schema(summary="Transfer a conversation to another agent (or back to the unassigned queue)", request=TransferIn,
                   responses={201: TransferOut, **_errors(400, 401, 403, 404, 409)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = _conversation(public_id)
        data = _valid(TransferIn, request)
        to_agent = None if data["to_agent"] is None else assignment.agent_by_username(data["to_agent"])
        record = assignment.conversation_transfer(conversation=conversation, to_agent=to_agent, by=request.user, note=data.get("note", ""))
        return Response(TransferOut(record).data, status=status.HTTP_201_CREATED)


# --- availability and business hours ---------------------------------------------------------------------


class MyAvailability(APIView):
    permission_classes = [HasPerm("conversations.reply_conversation")]

    def _body(self, request: Request) -> dict:
        return {"availability": selectors.agent_availability(request.user), "agents_online": selectors.agents_online().count()}

    @extend_schema(summary="My availability, and how many agents are online", responses={200: AvailabilityOut, **_errors(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(self._body(request))

    @extend_schema(summary="Set myself online or away", request=AvailabilityIn, responses={200: AvailabilityOut, **_errors(400, 401, 403)})
    def put(self, request: Request) -> Response:
        availability.agent_availability_set(agent=request.user, availability=_valid(AvailabilityIn, request)["availability"])
        return Response(self._body(request))


def _hours_body() -> dict:
    hours = selectors.business_hours()
    opening = selectors.business_opening(hours=hours)
    return {"time_zone": hours.time_zone, "text": selectors.business_hours_text(hours), "open_now": opening.open_now,
            "next_opening": opening.next_opening,
            "hours": [{"weekday": d, "opens": f"{o:%H:%M}", "closes": f"{c:%H:%M}"} for d, o, c in hours.opening]}


class BusinessHoursView(APIView):
    def get_permissions(self):  # noqa: ANN201
        return [HasPerm("conversations.change_businesshours" if self.request.method == "PUT" else "conversations.view_businesshours")]

    @extend_schema(summary="Business hours and time zone", responses={200: BusinessHoursOut, **_errors(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(BusinessHoursOut(_hours_body()).data)

    @extend_schema(summary="Replace the business hours (staff)", request=BusinessHoursIO, responses={200: BusinessHoursOut, **_errors(400, 401, 403)})
    def put(self, request: Request) -> Response:
        data = _valid(BusinessHoursIO, request)
        availability.business_hours_set(time_zone=data["time_zone"], hours=data["hours"])
        return Response(BusinessHoursOut(_hours_body()).data)


class ConversationContactEmail(ConversationMixin, APIView):
    permission_classes = [AllowAny]  # checked per object: the customer, or staff

    @extend_schema(summary="Leave an e-mail address for the answer (the customer)", request=ContactEmailIn,
                   responses={200: ConversationOut, **_errors(400, 401, 403, 404)})
    def post(self, request: Request, public_id: str) -> Response:
        conversation = self.get_conversation(request, public_id, "conversations.change_conversation")
        current = availability.contact_email_leave(conversation=conversation, email=_valid(ContactEmailIn, request)["email"])
        return Response(ConversationOut(current).data)


class CsatReportView(APIView):
    permission_classes = [HasPerm("conversations.view_csat_report")]

    @extend_schema(summary="CSAT: bot-only vs agent conversations and per agent, over a period", parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: 29 days before 'to')"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)")],
        responses={200: CsatReportOut, **_errors(400, 401, 403)})
    def get(self, request: Request) -> Response:
        since, until = selectors.csat_period(request.query_params.get("from"), request.query_params.get("to"))
        return Response(selectors.csat_report(since=since, until=until).as_json())


urlpatterns = [
    path("canned-replies/", CannedReplyList.as_view(), name="canned-reply-list"),
    path("canned-replies/<int:pk>/", CannedReplyDetail.as_view(), name="canned-reply-detail"),
    path("conversations/<uuid:public_id>/notes/", ConversationNotes.as_view(), name="conversation-notes"),
    path("conversations/<uuid:public_id>/tags/", ConversationTags.as_view(), name="conversation-tags"),
    path("conversations/<uuid:public_id>/tags/<str:name>/", ConversationTag.as_view(), name="conversation-tag"),
    path("conversations/<uuid:public_id>/transfer/", ConversationTransfer.as_view(), name="conversation-transfer"),
    path("conversations/<uuid:public_id>/contact-email/", ConversationContactEmail.as_view(), name="conversation-contact-email"),
    path("tags/", TagList.as_view(), name="tag-list"),
    path("agents/me/availability/", MyAvailability.as_view(), name="my-availability"),
    path("business-hours/", BusinessHoursView.as_view(), name="business-hours"),
    path("reports/csat/", CsatReportView.as_view(), name="csat-report"),
]
