from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConversationsConfig(AppConfig):
    name = "conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from conversations.roles import roles_sync

        post_migrate.connect(lambda **_: roles_sync(), dispatch_uid="conversations.roles_sync", weak=False)
