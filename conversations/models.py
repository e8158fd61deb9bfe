"""Conversations, messages and the training data agents curate."""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def _new_access_token() -> str:
    # 256 bits: unguessable, URL-safe, shown to the customer once and kept in their browser.
    return secrets.token_urlsafe(32)


class HandoffReason(models.TextChoices):
    """Why the bot passed a conversation to a person; stored on the conversation and the hand-off message."""

    NO_MODEL = "no_model", "No active model"
    OUT_OF_SCOPE = "out_of_scope", "Out of scope"
    LOW_CONFIDENCE = "low_confidence", "Low confidence"
    CUSTOMER_REQUEST = "customer_request", "Customer asked for a person"
    NOTHING_RELEVANT = "nothing_relevant", "Nothing relevant in the knowledge base"
    UNSUPPORTED_ANSWER = "unsupported_answer", "Answer not supported by its sources"
    ERROR = "error", "Error"


class Conversation(models.Model):
    class Status(models.TextChoices):
        WITH_BOT = "with_bot", "With bot"
        WAITING_FOR_AGENT = "waiting_for_agent", "Waiting for agent"
        WITH_AGENT = "with_agent", "With agent"
        CLOSED = "closed", "Closed"

    class Channel(models.TextChoices):
        WIDGET = "widget", "Web widget"
        API = "api", "REST API"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    access_token = models.CharField(max_length=64, unique=True, default=_new_access_token, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WITH_BOT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WIDGET)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_conversations"
    )
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="When the bot handed the conversation to an agent.")
    handoff_reason = models.CharField(max_length=32, choices=HandoffReason.choices, blank=True, default="",
                                      help_text="Why the bot last handed the conversation to a person.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["rating"]),
            models.Index(fields=["escalated_at"]),
        ]
        permissions = [
            ("reply_conversation", "Can reply to customers as an agent"),
            ("export_conversation", "Can export transcripts"),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.public_id} ({self.get_status_display()})"


class Intent(models.Model):
    name = models.SlugField(max_length=100, unique=True, help_text="snake_case label, e.g. card_arrival")
    description = models.CharField(max_length=255, blank=True)
    # Special intents: asking for a human always hands the conversation to an agent.
    requests_human = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    class Role(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        BOT = "bot", "Bot"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    intent = models.ForeignKey(Intent, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    confidence = models.FloatField(null=True, blank=True)
    # The customer message a bot or system message answers.
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    sources = models.JSONField(default=list, blank=True, help_text="Cited knowledge-base articles: [{id, title, url, score}]")
    model_versions = models.JSONField(default=dict, blank=True, help_text="Model version ids used, by kind.")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    handoff_reason = models.CharField(max_length=32, choices=HandoffReason.choices, blank=True, default="",
                                      help_text="Set on the message that handed the conversation to a person.")
    answer_tier = models.CharField(max_length=16, blank=True, default="", help_text="The answer tier that wrote a bot reply.")
    client_message_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"]),
            models.Index(fields=["role", "confidence"]),
            models.Index(fields=["intent", "created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_message_id"],
                condition=models.Q(client_message_id__isnull=False),
                name="unique_client_message_per_conversation",
            )
        ]
        permissions = [("relabel_message", "Can correct the intent of a message")]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"


class TrainingExample(models.Model):
    class Source(models.TextChoices):
        SEED = "seed", "Seed data"
        AGENT_CORRECTION = "agent_correction", "Agent correction"
        IMPORT = "import", "Import"

    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="examples")
    text = models.TextField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.SEED)
    # Set when an agent corrected the label of a real message.
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intent__name", "id"]
        indexes = [models.Index(fields=["source"])]
        constraints = [models.UniqueConstraint(fields=["intent", "text"], name="unique_example_per_intent")]

    def __str__(self) -> str:
        return f"{self.intent.name}: {self.text[:60]}"


class AgentReply(models.Model):
    """A reference reply a human agent would give for an intent (responder training data)."""

    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="agent_replies")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intent__name", "id"]
        constraints = [models.UniqueConstraint(fields=["intent", "text"], name="unique_agent_reply_per_intent")]

    def __str__(self) -> str:
        return f"{self.intent.name}: {self.text[:60]}"


class KnowledgeArticle(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    url = models.URLField(blank=True)
    intents = models.ManyToManyField(Intent, blank=True, related_name="articles")
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["published", "title"])]

    def __str__(self) -> str:
        return self.title


class PiiVaultEntry(models.Model):
    """An original personal value, encrypted, behind the placeholder that replaced it."""

    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="pii_entries")
    source = models.CharField(max_length=20, default="conversation", help_text="conversation, import, example, log…")
    entity_type = models.CharField(max_length=40)
    placeholder = models.CharField(max_length=60)
    ciphertext = models.BinaryField(null=True, blank=True, help_text="Fernet token; emptied by the retention purge.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation_id", "id"]
        indexes = [models.Index(fields=["expires_at"], condition=models.Q(purged_at__isnull=True), name="pii_unpurged_expiry")]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "placeholder"], condition=models.Q(conversation__isnull=False), name="unique_placeholder_per_conversation")
        ]
        permissions = [("reveal_pii", "Can reveal original personal data (every reveal is audited)")]
        verbose_name = "PII vault entry"
        verbose_name_plural = "PII vault entries"

    def __str__(self) -> str:
        return f"{self.placeholder} ({self.entity_type})"


class PiiRevealLog(models.Model):
    """Who saw which original value, and when."""

    entry = models.ForeignKey(PiiVaultEntry, on_delete=models.CASCADE, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revealed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-revealed_at"]
        verbose_name = "PII reveal"

    def __str__(self) -> str:
        return f"{self.user} revealed {self.entry.placeholder} at {self.revealed_at:%Y-%m-%d %H:%M}"


class PiiErasure(models.Model):
    """Who erased everything held about a person, when, and how much (never the value itself)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=255, blank=True)
    matched_by = models.CharField(max_length=40, help_text="The kind of value the person was found by (EMAIL, PHONE, text...).")
    conversations = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    vault_entries = models.PositiveIntegerField(default=0)
    training_examples = models.PositiveIntegerField(default=0)
    files = models.JSONField(default=list, blank=True, help_text="Files on disk the person's data was erased from.")

    class Meta:
        ordering = ["-erased_at"]
        permissions = [("erase_pii", "Can erase everything held about a person (every erasure is recorded)")]
        verbose_name = "personal data erasure"

    def __str__(self) -> str:
        return f"{self.user} erased {self.conversations} conversation(s) at {self.erased_at:%Y-%m-%d %H:%M}"
