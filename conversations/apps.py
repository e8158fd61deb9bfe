from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConversationsConfig(AppConfig):
    name = "conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from conversations.roles import roles_sync

        def sync(sender: AppConfig, **_: object) -> None:
            # Permissions of an app exist once its own post_migrate ran; the roles span these apps.
            if sender.name in ("conversations", "training", "integrations", "connectors"):
                roles_sync()

        post_migrate.connect(sync, dispatch_uid="conversations.roles_sync", weak=False)
