from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from training import retrieval_triggers  # noqa: F401 - connects the knowledge-base signals
        from training import audit_signals  # noqa: F401 - connects the automatic audit of new versions
