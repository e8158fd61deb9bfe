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
    # A bot action (integrations/actions) could not answer; the call's detail is kept on its ActionCall row.
    ACTION_FAILED = "action_failed", "Bot action failed (error status or unreachable)"
    ACTION_TIMEOUT = "action_timeout", "Bot action timed out"
    ACTION_BAD_RESPONSE = "action_bad_response", "Bot action answered in an unexpected shape"
    # A customer question of an imported transcript that nothing answered (connectors/transcripts.py).
    UNANSWERED = "unanswered", "Not answered (imported transcript)"


class Conversation(models.Model):
    class Status(models.TextChoices):
        WITH_BOT = "with_bot", "With bot"
        WAITING_FOR_AGENT = "waiting_for_agent", "Waiting for agent"
        WITH_AGENT = "with_agent", "With agent"
        CLOSED = "closed", "Closed"

    class Channel(models.TextChoices):
        WIDGET = "widget", "Web widget"
        API = "api", "REST API"
        # The connectors (docs/integrations.md): e-mail, Chatwoot's agent bot, historical transcripts.
        EMAIL = "email", "E-mail"
        CHATWOOT = "chatwoot", "Chatwoot"
        IMPORT = "import", "Imported transcript"

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
    rating_comment = models.TextField(blank=True, default="", help_text="The customer's optional CSAT comment (anonymized).")
    rated_at = models.DateTimeField(null=True, blank=True)
    contact_email = models.CharField(max_length=80, blank=True, default="",
                                     help_text="Placeholder of the e-mail address the customer left for an answer (original in the vault).")
    offline_handoff = models.BooleanField(default=False,
                                          help_text="Handed off with no agent online or outside business hours.")
    tags = models.ManyToManyField("Tag", blank=True, related_name="conversations")
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
            ("transfer_conversation", "Can assign and transfer conversations between agents"),
            ("view_csat_report", "Can see the CSAT report"),
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
    # A customer message the bot is answering: since when, and which process (cleared with the reply). A resend
    # of a message whose marker outlived its lease, with no reply, is answered again (services/messages.py).
    answering_since = models.DateTimeField(null=True, blank=True)
    answering_by = models.CharField(max_length=96, blank=True, default="")
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
    # Set by the knowledge-base import (connectors/kb/): where the article came from (path, URL or uploaded
    # file name) and a hash of its content, so a re-import updates it instead of adding a copy.
    source = models.CharField(max_length=500, blank=True, default="", help_text="The path, URL or file it was imported from.")
    content_hash = models.CharField(max_length=64, blank=True, default="", help_text="SHA-256 of the imported title and body.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["published", "title"])]
        constraints = [models.UniqueConstraint(fields=["source"], condition=~models.Q(source=""), name="unique_article_source")]

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


# --- Agent workspace (issue 15) ---


class CannedReply(models.Model):
    """A reply staff prepare once; agents insert it by typing `/shortcut` in the composer."""

    title = models.CharField(max_length=120)
    shortcut = models.SlugField(max_length=40, unique=True, help_text="Typed after `/` in the composer.")
    text = models.TextField(max_length=2000, help_text="May use {{agent.first_name}}, {{conversation.id}}, {{business.hours}}.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcut"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return f"/{self.shortcut}: {self.title}"


class AgentNote(models.Model):
    """A private note agents leave on a conversation: never shown to the customer."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"Note on {self.conversation_id}: {self.text[:60]}"


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True, help_text="Letters, digits, spaces, - and _ only.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationAssignment(models.Model):
    """One step of a conversation's assignment history: who had it, who has it now, who moved it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="assignments")
    from_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text="Empty: back to the unassigned queue.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.from_agent_id} -> {self.to_agent_id}"


class AgentProfile(models.Model):
    class Availability(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    availability = models.CharField(max_length=10, choices=Availability.choices, default=Availability.AWAY)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    notify_desktop = models.BooleanField(default=False)
    notify_sound = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} ({self.availability})"


class BusinessHours(models.Model):
    """The single row of business settings staff edit: the time zone the opening hours are in."""

    time_zone = models.CharField(max_length=64, default="Europe/London")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return f"Business hours ({self.time_zone})"


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    business = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_close_after_open")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class DraftSuggestion(models.Model):
    """A reply the copilot drafted for an agent, and what the agent did with it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT_UNCHANGED = "sent_unchanged", "Sent unchanged"
        EDITED = "edited", "Edited, then sent"
        DISCARDED = "discarded", "Discarded"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="draft_suggestions")
    for_message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="draft_suggestions",
                                    help_text="The customer's message the draft answers.")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True, default="")
    sources = models.JSONField(default=list, blank=True)
    model_versions = models.JSONField(default=dict, blank=True)
    answer_tier = models.CharField(max_length=16, blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    sent_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["outcome", "created_at"])]

    def __str__(self) -> str:
        return f"Draft for {self.for_message_id} ({self.outcome})"


class ConversationReadMarker(models.Model):
    """How far an agent has read a conversation: the unread counters are the messages after it."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_markers")
    last_read_message_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "conversation"], name="unique_read_marker_per_agent")]

    def __str__(self) -> str:
        return f"{self.agent_id} read {self.conversation_id} to {self.last_read_message_id}"
