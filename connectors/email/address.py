"""The customer's e-mail address: kept encrypted in the PII vault, only its placeholder on the thread.

It is decrypted for two things only: sending a reply, and checking that a reply to a thread comes from
the address the thread belongs to.
"""

from __future__ import annotations

from conversations import vault
from conversations.models import Conversation
from conversations.pii.placeholders import canonical

ENTITY = "EMAIL"


def address_vault(*, conversation: Conversation, address: str) -> str:
    """The placeholder of ``address`` in this conversation, stored in the vault if it is not there yet.

    Call inside the transaction that locks the conversation. Later text of the conversation that holds the
    address gets the same placeholder (the anonymizer matches the vault's originals)."""
    key = canonical(ENTITY, address)
    mapping, used = vault.conversation_placeholders(conversation)
    if key in mapping:
        return mapping[key]
    numbers = [int(p[len(ENTITY) + 2:-1]) for p in used if p.startswith(f"<{ENTITY}_") and p[len(ENTITY) + 2:-1].isdigit()]
    placeholder = f"<{ENTITY}_{max(numbers, default=0) + 1}>"
    vault.vault_store(conversation=conversation, source="email", entities=[(ENTITY, key, placeholder)])
    return placeholder


def address_reveal(*, conversation: Conversation, placeholder: str) -> str | None:
    """The original behind ``placeholder``; None once the retention purge or an erasure emptied it."""
    mapping, _ = vault.conversation_placeholders(conversation)
    for original, held in mapping.items():
        if held == placeholder and not original.startswith("\0"):
            return original
    return None


def same_address(a: str, b: str) -> bool:
    return canonical(ENTITY, a) == canonical(ENTITY, b)
