from __future__ import annotations

from rest_framework import serializers

from integrations.models import ActionCall, BotAction, WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False)


class WebhookEndpointPatch(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False, required=False)
    is_active = serializers.BooleanField(required=False)


class WebhookEndpointOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "events", "is_active", "consecutive_failures", "disabled_at", "disabled_reason",
                  "created_at", "updated_at"]


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    secret = serializers.CharField(help_text="The signing secret. Shown only now: store it.")

    class Meta(WebhookEndpointOut.Meta):
        fields = [*WebhookEndpointOut.Meta.fields, "secret"]


class WebhookSecretOut(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret. Shown only now: store it.")


class WebhookDeliveryOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "delivery_id", "event", "status", "attempts", "status_code", "latency_ms", "last_error",
                  "created_at", "last_attempt_at", "next_attempt_at", "delivered_at", "payload"]


class ActionParameterSpec(serializers.Serializer):
    name = serializers.RegexField(r"^[a-z][a-z0-9_]{0,59}$")
    prompt = serializers.CharField(max_length=500)
    pattern = serializers.CharField(max_length=200)


class BotActionIn(serializers.Serializer):
    intent = serializers.SlugField(help_text="The intent's name.")
    name = serializers.CharField(max_length=100)
    method = serializers.ChoiceField(choices=BotAction.Method.choices, default=BotAction.Method.GET)
    url_template = serializers.CharField(max_length=500)
    headers = serializers.DictField(child=serializers.CharField(max_length=100), required=False, default=dict)
    parameters = ActionParameterSpec(many=True, required=False, default=list)
    reply_template = serializers.CharField(max_length=2000)
    fallback_text = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)


class BotActionOut(serializers.ModelSerializer):
    intent = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = BotAction
        fields = ["id", "intent", "name", "method", "url_template", "headers", "parameters", "reply_template",
                  "fallback_text", "is_active", "created_at", "updated_at"]


class ActionCallOut(serializers.ModelSerializer):
    class Meta:
        model = ActionCall
        fields = ["id", "outcome", "status_code", "latency_ms", "detail", "created_at"]
