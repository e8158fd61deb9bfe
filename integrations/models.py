"""What integrations keep: webhook endpoints and their deliveries; bot actions, their slot state and their calls."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from conversations.models import Conversation, Intent


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEvent(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", "Conversation created"
    CUSTOMER_MESSAGE = "message.customer", "Customer message"
    BOT_REPLY = "message.bot", "Bot reply"
    HANDED_OFF = "conversation.handed_off", "Handed off to a person"
    AGENT_JOINED = "conversation.agent_joined", "Agent joined"
    CLOSED = "conversation.closed", "Conversation closed"
    RATED = "conversation.rated", "Conversation rated"


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, help_text="Where deliveries are POSTed (http or https; checked like every outbound call).")
    events = models.JSONField(default=list, help_text="The events sent here (values of WebhookEvent).")
    # Kept in clear because every delivery is signed with it; shown once (on creation and rotation), never listed.
    secret = models.CharField(max_length=80, default=new_webhook_secret, editable=False)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0, help_text="Deliveries that gave up in a row.")
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (gave up)"
        CANCELLED = "cancelled", "Cancelled (endpoint disabled)"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(help_text="The body sent (texts as stored: anonymized).")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True, help_text="HTTP status of the last attempt.")
    latency_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Duration of the last attempt.")
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhook_delivery_recent")]

    def __str__(self) -> str:
        return f"{self.event} -> {self.endpoint} ({self.status})"


class BotAction(models.Model):
    class Method(models.TextChoices):
        GET = "GET"
        POST = "POST"
        PUT = "PUT"
        PATCH = "PATCH"

    intent = models.OneToOneField(Intent, on_delete=models.CASCADE, related_name="bot_action")
    name = models.CharField(max_length=100)
    method = models.CharField(max_length=6, choices=Method.choices, default=Method.GET)
    url_template = models.CharField(max_length=500, help_text="e.g. https://cards.example/status/{reference} ({name} is a parameter)")
    headers = models.JSONField(default=dict, blank=True, help_text='Header name -> the NAME of a secret in ACTION_SECRETS, e.g. {"Authorization": "CARDS_API_TOKEN"}.')
    parameters = models.JSONField(default=list, blank=True, help_text='[{"name": "reference", "prompt": "What is ...?", "pattern": "\\\\d{8}"}], asked in this order.')
    reply_template = models.TextField(help_text='Filled from the JSON result: "Your card was {{status}} on {{dispatched_on}}."')
    fallback_text = models.TextField(blank=True, default="", help_text="Said when the call fails, as the conversation goes to a person (empty: the standard hand-off text).")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.intent})"


class ActionSession(models.Model):
    """A bot action waiting for its parameters in one conversation. Values are stored as the conversation
    stores text: personal data as its vault placeholder."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="action_session")
    action = models.ForeignKey(BotAction, on_delete=models.CASCADE, related_name="sessions")
    values = models.JSONField(default=dict)
    awaiting = models.CharField(max_length=60, help_text="The parameter last asked for.")
    retries = models.PositiveSmallIntegerField(default=0, help_text="Answers to the current question that did not fit its pattern.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class ActionCall(models.Model):
    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Answered"
        FAILED = "failed", "Failed (error status, refused or unreachable)"
        TIMEOUT = "timeout", "Timed out"
        BAD_RESPONSE = "bad_response", "Unexpected response shape"

    action = models.ForeignKey(BotAction, on_delete=models.CASCADE, related_name="calls")
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True, default="", help_text="Why it failed; never the parameter values.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action.name}: {self.outcome}"
