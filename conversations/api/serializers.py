from __future__ import annotations

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from conversations import selectors
from conversations.models import Conversation, HandoffReason, Intent, KnowledgeArticle, Message, TrainingExample
from conversations.privacy import anonymize_text


class NameLookupField(serializers.SlugRelatedField):
    """A row named by a slug, with the text checked before the lookup.

    PostgreSQL cannot compare text holding NUL characters or lone surrogates: the lookup itself
    would fail with a server error instead of "no such name".
    """

    def to_internal_value(self, data: object) -> object:
        if isinstance(data, str):
            for validator in (ProhibitNullCharactersValidator(), ProhibitSurrogateCharactersValidator()):
                validator(data)
        return super().to_internal_value(data)


def _handoff_reason_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=HandoffReason.choices, allow_blank=True, read_only=True,
                                   help_text="Why the bot handed over to a person; empty when it did not.")


class MessageOut(serializers.ModelSerializer):
    intent = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    handoff_reason = _handoff_reason_field()
    reply_to = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "role", "text", "intent", "confidence", "sources", "model_versions", "latency_ms",
                  "client_message_id", "reply_to", "handoff_reason", "answer_tier", "created_at"]
        read_only_fields = fields


class ConversationOut(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    assigned_agent = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    handoff_reason = _handoff_reason_field()
    offline_handoff = serializers.BooleanField(read_only=True, help_text="Handed off with no agent online or outside business hours.")
    offline_notice = serializers.SerializerMethodField(
        help_text="While such a conversation waits: when a reply can be expected, and the offer to leave an e-mail address.")
    reply_expected_at = serializers.SerializerMethodField(help_text="The next opening time, when the business is closed now.")
    contact_email_left = serializers.SerializerMethodField(help_text="The customer left an e-mail address for the answer.")

    class Meta:
        model = Conversation
        fields = ["id", "status", "channel", "assigned_agent", "rating", "escalated_at", "handoff_reason", "created_at", "updated_at",
                  "closed_at", "offline_handoff", "offline_notice", "reply_expected_at", "contact_email_left"]
        read_only_fields = fields

    def _offline(self, obj: Conversation) -> selectors.OfflineHandoff | None:
        if not obj.offline_handoff or obj.status != Conversation.Status.WAITING_FOR_AGENT:
            return None
        cache = self.root.__dict__.setdefault("_offline_now", {})  # once per answer, not once per row
        if "value" not in cache:
            cache["value"] = selectors.offline_handoff()
        return cache["value"]

    def get_offline_notice(self, obj: Conversation) -> str | None:
        offline = self._offline(obj)
        return offline.message if offline else None

    def get_reply_expected_at(self, obj: Conversation) -> str | None:
        offline = self._offline(obj)
        return offline.expected_at.isoformat() if offline and offline.expected_at else None

    def get_contact_email_left(self, obj: Conversation) -> bool:
        return bool(obj.contact_email)


class ConversationListOut(ConversationOut):
    """Rows of the staff list: with the tags only agents and staff see."""

    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta(ConversationOut.Meta):
        fields = ConversationOut.Meta.fields + ["tags"]
        read_only_fields = fields


class ConversationDetailOut(ConversationOut):
    messages = MessageOut(many=True, read_only=True)

    class Meta(ConversationOut.Meta):
        fields = ConversationOut.Meta.fields + ["messages"]
        read_only_fields = fields


class ConversationCreatedOut(ConversationOut):
    access_token = serializers.CharField(read_only=True, help_text="Send as 'Authorization: Conversation <token>'. Shown once.")

    class Meta(ConversationOut.Meta):
        fields = ConversationOut.Meta.fields + ["access_token"]
        read_only_fields = fields


class ConversationCreateIn(serializers.Serializer):
    # The connectors' channels (email, chatwoot, import) are set by their own doors, never by a caller.
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in (Conversation.Channel.WIDGET, Conversation.Channel.API)],
                                      default=Conversation.Channel.API)


class MessageIn(serializers.Serializer):
    text = serializers.CharField(max_length=settings.CHAT_MAX_MESSAGE_CHARS, trim_whitespace=True,
                                 help_text=f"1 to {settings.CHAT_MAX_MESSAGE_CHARS} characters.")
    client_message_id = serializers.CharField(max_length=64, required=False, allow_blank=False,
                                              help_text="Your id for this message; a resend with the same id is answered once.")


class ExchangeOut(serializers.Serializer):
    message = MessageOut()
    reply = MessageOut(allow_null=True, help_text="The bot's answer or the hand-off notice; null while an agent has the conversation.")
    conversation = ConversationOut()


class RatingIn(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                    help_text="Optional, at most 1000 characters; anonymized. Left out: the comment given before stays.")


class IntentSerializer(serializers.ModelSerializer):
    # Annotated on the list and detail querysets; a just-created intent has none yet.
    example_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Intent
        fields = ["id", "name", "description", "requests_human", "example_count", "created_at"]
        read_only_fields = ["id", "example_count", "created_at"]


class TrainingExampleSerializer(serializers.ModelSerializer):
    intent = NameLookupField(slug_field="name", queryset=Intent.objects.all())

    class Meta:
        model = TrainingExample
        fields = ["id", "intent", "text", "source", "message", "created_at"]
        read_only_fields = ["id", "source", "message", "created_at"]

    def validate_text(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Text must not be empty.")
        return anonymize_text(value, source="example")


class KnowledgeArticleSerializer(serializers.ModelSerializer):
    intents = NameLookupField(slug_field="name", many=True, queryset=Intent.objects.all(), required=False)

    class Meta:
        model = KnowledgeArticle
        fields = ["id", "slug", "title", "body", "url", "intents", "published", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("An article needs some text.")
        return value


class ImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="UTF-8 CSV with the header text,label.")


class ImportOut(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    intents_created = serializers.ListField(child=serializers.CharField())


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorEnvelope(serializers.Serializer):
    error = ErrorOut()
