"""The encrypted vault of original personal values: store, reveal (audited), purge, rotate keys."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation, PiiRevealLog, PiiVaultEntry

REVEAL_PERM = "conversations.reveal_pii"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str):  # noqa: ANN202 - cryptography imported lazily
    from cryptography.fernet import Fernet, MultiFernet

    if not keys:
        # Development only (production refuses to start without PII_VAULT_KEYS): a key derived from SECRET_KEY.
        keys = (base64.urlsafe_b64encode(hashlib.sha256(f"pii-vault:{secret_key}".encode()).digest()).decode(),)
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet():  # noqa: ANN201
    return _fernet(tuple(settings.PII_VAULT_KEYS), settings.SECRET_KEY)


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.PII_RETENTION_DAYS)


def conversation_placeholders(conversation: Conversation) -> tuple[dict[str, str], set[str]]:
    """The conversation's mapping original -> placeholder (decrypted), and every placeholder used so far."""
    mapping, used = {}, set()
    for placeholder, token in conversation.pii_entries.values_list("placeholder", "ciphertext"):
        used.add(placeholder)
        # A purged original keeps its number taken under a key no real value can match.
        key = fernet().decrypt(bytes(token)).decode() if token else f"\0purged:{placeholder}"
        mapping[key] = placeholder
    return mapping, used


def vault_store(*, conversation: Conversation | None, source: str, entities: list[tuple[str, str, str]]) -> None:
    """Encrypt and keep (entity_type, original, placeholder) triples."""
    if not entities:
        return
    expires = _expiry()
    PiiVaultEntry.objects.bulk_create([
        PiiVaultEntry(conversation=conversation, source=source, entity_type=etype, placeholder=placeholder,
                      ciphertext=fernet().encrypt(original.encode()), expires_at=expires)
        for etype, original, placeholder in entities
    ])


def vault_reveal(*, entry: PiiVaultEntry, user: AbstractBaseUser, reason: str = "") -> str:
    """The original behind a placeholder, for users with the reveal permission; every reveal is logged."""
    if not user.has_perm(REVEAL_PERM):
        raise PermissionDenied("Revealing personal data needs the 'reveal_pii' permission.")
    if entry.ciphertext is None or entry.purged_at is not None:
        raise PermissionDenied("This value was purged after the retention period.")
    with transaction.atomic():
        PiiRevealLog.objects.create(entry=entry, user=user, reason=reason[:255])
        return fernet().decrypt(bytes(entry.ciphertext)).decode()


def vault_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Erase originals past their retention period. The placeholder row stays so numbering never repeats."""
    return PiiVaultEntry.objects.filter(expires_at__lte=now or timezone.now(), purged_at__isnull=True).update(
        ciphertext=None, purged_at=timezone.now()
    )


def vault_rotate_keys(*, batch_size: int = 500) -> int:
    """Re-encrypt every kept original with the newest key (the first of PII_VAULT_KEYS)."""
    rotated = 0
    entries = PiiVaultEntry.objects.filter(ciphertext__isnull=False).only("id", "ciphertext")
    for entry in entries.iterator(chunk_size=batch_size):
        PiiVaultEntry.objects.filter(pk=entry.pk).update(ciphertext=fernet().rotate(bytes(entry.ciphertext)))
        rotated += 1
    return rotated


def vault_purge_conversation(*, conversation: Conversation) -> int:
    """Erase the originals of one conversation now (the customer ended and forgot it)."""
    return conversation.pii_entries.filter(purged_at__isnull=True).update(ciphertext=None, purged_at=timezone.now())


def vault_entries_holding(*, key: Callable[[str], str], value: str) -> tuple[list[PiiVaultEntry], dict[int, list[str]]]:
    """Entries whose original is ``value`` (compared as ``key`` normalizes), and every kept original of
    the conversations those entries belong to (decrypted, in memory only), by conversation id."""
    wanted = key(value)
    matched: list[PiiVaultEntry] = []
    originals: dict[int, list[str]] = {}
    for entry in PiiVaultEntry.objects.filter(ciphertext__isnull=False).iterator(chunk_size=500):
        original = fernet().decrypt(bytes(entry.ciphertext)).decode()
        if entry.conversation_id is not None:
            originals.setdefault(entry.conversation_id, []).append(original)
        if key(original) == wanted:
            matched.append(entry)
    conversations = {e.conversation_id for e in matched if e.conversation_id is not None}
    return matched, {cid: values for cid, values in originals.items() if cid in conversations}
