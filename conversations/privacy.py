"""The single ingress point for text that will be stored, logged, indexed or trained on.

Customer and agent messages, the bot's own replies, CSV imports and training examples all
pass through `anonymize_text` before they are written. Originals go to the encrypted vault;
placeholders (`<EMAIL_1>`) stay consistent within a conversation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from conversations import vault
from conversations.errors import InvalidMessage
from conversations.models import Conversation
from conversations.pii.models import PiiError
from conversations.pii_engine import anonymizer, engine_in_use


def anonymize_text(text: str, *, conversation: Conversation | None = None, source: str = "conversation") -> str:
    """Replace personal data with typed placeholders and keep the originals in the vault."""
    if not settings.PII_ANONYMIZE:
        return text
    if conversation is None:
        return _anonymize(text, conversation=None, source=source)
    # One message of a conversation at a time, across processes, so placeholder numbers never collide.
    with transaction.atomic():
        list(Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("pk", flat=True))
        return _anonymize(text, conversation=conversation, source=source)


def _anonymize(text: str, *, conversation: Conversation | None, source: str) -> str:
    mapping, used = vault.conversation_placeholders(conversation) if conversation is not None else ({}, set())
    try:
        with engine_in_use():
            result = anonymizer().anonymize(text, placeholders=mapping)
    except PiiError as exc:
        raise InvalidMessage(f"The text could not be processed safely: {exc}.", code="invalid_text") from None
    # The vault keeps the mapping's keys: they are what the engine matches later messages against.
    types = {e.placeholder: e.entity_type for e in result.entities if e.placeholder}
    new = [(types.get(p, p.strip("<>").rsplit("_", 1)[0]), key, p) for key, p in result.placeholders.items() if p not in used]
    vault.vault_store(conversation=conversation, source=source, entities=new)
    return result.text
