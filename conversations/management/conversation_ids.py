"""Conversations named on a command line: every id is checked before anything is done."""

from __future__ import annotations

from django.core.management.base import CommandError

from conversations.models import Conversation
from conversations.selectors import conversation_by_public_id


def conversations_by_id(ids: list[str]) -> list[Conversation]:
    found = {public_id: conversation_by_public_id(public_id) for public_id in ids}
    unknown = [public_id for public_id, conversation in found.items() if conversation is None]
    if unknown:
        raise CommandError(f"No conversation has the id(s): {', '.join(unknown)}. Nothing was changed.")
    return list(found.values())
