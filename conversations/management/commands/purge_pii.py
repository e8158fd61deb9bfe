from django.core.management.base import BaseCommand

from conversations import vault


class Command(BaseCommand):
    help = "Erase original personal values whose retention period (PII_RETENTION_DAYS) has passed."

    def handle(self, *args: object, **options: object) -> None:
        purged = vault.vault_purge_expired()
        self.stdout.write(self.style.SUCCESS(f"Purged {purged} expired original value(s)."))
