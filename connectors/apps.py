from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Connectors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The adapter layer: imported once the models are ready (Django's app-loading order).
        from connectors import receivers
        from conversations.events import event_published

        event_published.connect(receivers.on_event_published, dispatch_uid="connectors.on_event_published")
