from django.core.management.base import BaseCommand

from conversations import vault


class Command(BaseCommand):
    help = "Re-encrypt every kept original with the newest key, the first of PII_VAULT_KEYS (docs/privacy.md)."

    def handle(self, *args: object, **options: object) -> None:
        rotated = vault.vault_rotate_keys()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} original value(s) with the newest key."))
