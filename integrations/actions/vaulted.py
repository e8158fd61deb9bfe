"""Parameter values and the PII vault: what is stored is the conversation's placeholder, what reaches the
action's endpoint is the original, decrypted for that call only (never stored, never logged)."""

from __future__ import annotations

import re

from conversations import vault
from conversations.models import Conversation

PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")


def _mapping(conversation: Conversation) -> dict[str, str]:
    """Original -> placeholder for the conversation's kept values (purged ones cannot be revealed)."""
    mapping, _used = vault.conversation_placeholders(conversation)
    return {original: placeholder for original, placeholder in mapping.items() if not original.startswith("\0")}


def reveal(text: str, *, conversation: Conversation) -> str:
    """``text`` with each of the conversation's placeholders replaced by its original value."""
    if not PLACEHOLDER.search(text):
        return text
    originals = {placeholder: original for original, placeholder in _mapping(conversation).items()}
    return PLACEHOLDER.sub(lambda m: originals.get(m.group(0), m.group(0)), text)


def conceal(value: str, *, conversation: Conversation) -> str:
    """``value`` (an original) as the conversation stores it: each kept original replaced by its placeholder."""
    for original, placeholder in sorted(_mapping(conversation).items(), key=lambda item: -len(item[0])):
        if original and original in value:
            value = value.replace(original, placeholder)
    return value
