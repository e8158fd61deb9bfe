"""Training runs and the model versions they produce."""

from django.conf import settings
from django.db import models

# A kind names what a version or run is of; the kinds and what each needs are declared once, in
# training/kinds.py specs registered by training/apps.py, so no list of kinds is kept here.
KIND_HELP = "intent, retrieval_index, responder, or another registered kind (training/kinds.py)."


class ModelVersion(models.Model):
    kind = models.CharField(max_length=20, help_text=KIND_HELP)
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

    kind = models.CharField(max_length=20, help_text=KIND_HELP)
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


class BiasAudit(models.Model):
    """One bias audit of a model version (docs/audit.md); the latest finished one gates activation."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Verdict(models.TextChoices):
        PASS = "pass", "Passed"
        FAIL = "fail", "Failed"
        INCONCLUSIVE = "inconclusive", "Inconclusive"

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="audits")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, default="manual", help_text="new_version (automatic) or manual.")
    verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    passed = models.BooleanField(null=True, blank=True, help_text="True: passed; False: failed; empty: not decided.")
    report = models.JSONField(default=dict, blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    activate_on_pass = models.BooleanField(default=False, help_text="A training run asked to activate this version once it passes.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["model_version", "status"])]
        permissions = [
            ("request_biasaudit", "Can request a bias audit"),
            ("override_audit_gate", "Can activate a version whose bias audit did not pass"),
        ]

    def __str__(self) -> str:
        return f"audit #{self.pk} of {self.model_version} ({self.verdict or self.status})"


class AnswerEvaluation(models.Model):
    """One answer-quality evaluation of a responder version on the dev split (training/registry/answer_gate.py):
    evaluate_bot for the extractive tier and for the version's generative tier, and the conversation tests."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="answer_evaluations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, default="manual", help_text="new_version (automatic) or manual.")
    split = models.CharField(max_length=200, blank=True, help_text="The held-out file it ran on (the dev split).")
    passed = models.BooleanField(null=True, blank=True, help_text="The tier that will answer met every floor and the conversation tests passed.")
    serves_answers = models.BooleanField(null=True, blank=True, help_text="The generative tier won on dev and answers.")
    summary = models.JSONField(default=dict, blank=True, help_text="Floors, each tier's figures (no items), the stories, the reasons.")
    report_path = models.CharField(max_length=500, blank=True, help_text="Folder of the full reports (one JSON per tier).")
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    activate_on_pass = models.BooleanField(default=False, help_text="A training run asked to activate this version once it passes.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["model_version", "status"])]
        permissions = [("override_answer_gate", "Can activate a responder version whose answer evaluation did not pass")]

    def __str__(self) -> str:
        verdict = {True: "passed", False: "failed"}.get(self.passed, self.status)
        return f"answer evaluation #{self.pk} of {self.model_version} ({verdict})"


class ActivationOverride(models.Model):
    """Who activated a version despite its bias audit (gate "bias") or its answer evaluation (gate "answers")."""

    class Gate(models.TextChoices):
        BIAS = "bias", "Bias audit"
        ANSWERS = "answers", "Answer quality"

    gate = models.CharField(max_length=10, choices=Gate.choices, default=Gate.BIAS)
    answer_evaluation = models.ForeignKey(AnswerEvaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="overrides",
                                          help_text="The answer evaluation overridden (gate answers).")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="activation_overrides")
    audit = models.ForeignKey(BiasAudit, null=True, blank=True, on_delete=models.SET_NULL, related_name="overrides",
                              help_text="The audit overridden; empty when the version had no finished audit.")
    audit_state = models.CharField(max_length=40, help_text="What the gate found: failed, inconclusive, running, missing...")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.gate} override of {self.model_version} by {self.user} ({self.audit_state})"
