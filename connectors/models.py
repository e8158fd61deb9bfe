"""What the connectors keep beside the conversation store: e-mail threads, Chatwoot links, import records."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from conversations.models import Conversation, Message


class EmailThread(models.Model):
    """A conversation that came in by e-mail. The customer's address lives in the PII vault; only its placeholder is here."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="email_thread")
    address_placeholder = models.CharField(max_length=60, help_text="The vault placeholder of the customer's address, e.g. <EMAIL_1>.")
    subject = models.CharField(max_length=255, blank=True, help_text="The first message's subject, anonymized.")
    provider = models.CharField(max_length=20, help_text="mailgun, postmark or imap")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"E-mail thread of {self.conversation.public_id}"


class EmailMessageRef(models.Model):
    """One e-mail of a thread by its Message-ID, in either direction: how replies find their conversation."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    thread = models.ForeignKey(EmailThread, on_delete=models.CASCADE, related_name="refs")
    mail_id = models.CharField(max_length=255, unique=True, help_text="The mail's RFC 5322 Message-ID, with its angle brackets.")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="email_ref")
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["thread_id", "id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.mail_id}"


class ChatwootConversation(models.Model):
    """A conversation the bot answers as Chatwoot's agent bot: Chatwoot's account and conversation ids."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="chatwoot")
    account_id = models.PositiveBigIntegerField()
    chatwoot_conversation_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["account_id", "chatwoot_conversation_id"], name="unique_chatwoot_conversation")]

    def __str__(self) -> str:
        return f"Chatwoot {self.account_id}/{self.chatwoot_conversation_id}"


class ChatwootDelivery(models.Model):
    """One call made to Chatwoot's API for a stored message (the reply posted, or the hand-off that opened it)."""

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message posted"
        HANDOFF = "handoff", "Status set to open"

    link = models.ForeignKey(ChatwootConversation, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "kind"], condition=models.Q(message__isnull=False),
                                               name="one_chatwoot_delivery_per_message")]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.link} ({self.status_code or self.error})"


class ArticleImport(models.Model):
    """One knowledge-base import: what was asked, and what it did (or, when it failed, each source's problem)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sources = models.JSONField(default=list, help_text="The paths, URLs, sitemap or uploaded file names imported.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Each bad source by name, with its problem.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Article import {self.pk} ({self.status})"


class ImportedTranscript(models.Model):
    """A historical conversation imported from a transcript file, by the file's own conversation id."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="imported_transcript")
    source = models.CharField(max_length=255, help_text="The file it came from.")
    external_id = models.CharField(max_length=120, help_text="The conversation id in that file.")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="unique_transcript_per_source")]
        permissions = [("import_transcripts", "Can import historical conversation transcripts")]

    def __str__(self) -> str:
        return f"{self.source}#{self.external_id}"
