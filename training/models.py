"""Training runs and the model versions they produce."""

from django.conf import settings
from django.db import models


class ModelKind(models.TextChoices):
    INTENT = "intent", "Intent classifier"
    RESPONDER = "responder", "Responder"
    RETRIEVAL_INDEX = "retrieval_index", "Retrieval index"


class ModelVersion(models.Model):
    kind = models.CharField(max_length=20, choices=ModelKind.choices)
    version = models.PositiveIntegerField(help_text="Sequential within a kind.")
    base_model = models.CharField(max_length=255, blank=True)
    hyperparameters = models.JSONField(default=dict, blank=True)
    data_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the training data snapshot.")
    metrics = models.JSONField(default=dict, blank=True)
    artifact_path = models.CharField(max_length=500, blank=True)
    format_version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="unique_version_per_kind"),
            models.UniqueConstraint(fields=["kind"], condition=models.Q(is_active=True), name="one_active_version_per_kind"),
        ]
        permissions = [("activate_modelversion", "Can activate or roll back a model version")]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}{' (active)' if self.is_active else ''}"


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=ModelKind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    parameters = models.JSONField(default=dict, blank=True)
    progress = models.JSONField(default=dict, blank=True, help_text="step, total_steps, epoch, loss, eta_seconds")
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Starts so far; a lost worker's run is retried.")
    model_version = models.OneToOneField(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="run")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "status"])]
        permissions = [("start_trainingrun", "Can start model training")]

    def __str__(self) -> str:
        return f"{self.kind} run #{self.pk} ({self.status})"
