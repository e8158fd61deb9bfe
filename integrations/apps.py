from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from conversations.events import event_published
        from integrations.webhooks.receiver import on_event_published

        # Committed conversation events become webhook deliveries.
        event_published.connect(on_event_published, dispatch_uid="integrations.webhooks")
