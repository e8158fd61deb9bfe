from celery import shared_task

from conversations import vault


@shared_task(name="conversations.tasks.purge_expired_pii")
def purge_expired_pii() -> int:
    return vault.vault_purge_expired()
