"""What agents add to a conversation for each other: private notes and tags. Neither ever reaches the
customer: notes are published to the console group only, and tags only in the console's rows."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from conversations.errors import InvalidMessage
from conversations.events import console_event, note_event, publish_on_commit
from conversations.models import AgentNote, Conversation, Tag
from conversations.privacy import anonymize_text
from conversations.selectors import PREVIEW_CHARS, conversation_current, last_message_text
from conversations.services.canned import storable_text

NOTE_MAX_CHARS = AgentNote._meta.get_field("text").max_length
TAG_MAX_CHARS = Tag._meta.get_field("name").max_length
# Plain text only: letters (any script), digits, spaces, '-' and '_'. Markup is refused, not escaped.
_TAG = re.compile(r"^[\w\- ]+$")


def note_add(*, conversation: Conversation, author: AbstractBaseUser, text: object) -> AgentNote:
    """A private note on a conversation, anonymized like every stored text (the agent's own name kept)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidMessage("A note needs some text.", code="invalid_note")
    clean = text.strip()
    if len(clean) > NOTE_MAX_CHARS:
        raise InvalidMessage(f"A note is at most {NOTE_MAX_CHARS} characters; this one is {len(clean)}.", code="note_too_long")
    if not storable_text(clean):
        raise InvalidMessage("A note must not contain NUL characters or unpaired surrogates.", code="invalid_note")
    with transaction.atomic():
        note = AgentNote.objects.create(conversation=conversation, author=author,
                                        text=anonymize_text(clean, conversation=conversation, author=author, source="note"))
        publish_on_commit([note_event(conversation, note)])
    return note


def tag_name_clean(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidMessage("A tag must be text.", code="invalid_tag")
    clean = " ".join(name.split())
    if not clean or len(clean) > TAG_MAX_CHARS or not _TAG.match(clean):
        raise InvalidMessage(f"A tag is 1 to {TAG_MAX_CHARS} letters, digits, spaces, '-' or '_' (no markup).", code="invalid_tag")
    return clean.lower()


def _row_changed(conversation: Conversation) -> None:
    current = conversation_current(conversation)
    publish_on_commit([console_event(current, last_message=last_message_text(current)[:PREVIEW_CHARS])])


def tag_add(*, conversation: Conversation, name: object) -> Tag:
    """Tag a conversation (the tag is created on first use)."""
    clean = tag_name_clean(name)
    with transaction.atomic():
        tag, _ = Tag.objects.get_or_create(name=clean)
        conversation.tags.add(tag)
        _row_changed(conversation)
    return tag


def tag_remove(*, conversation: Conversation, name: object) -> None:
    clean = tag_name_clean(name)
    with transaction.atomic():
        tag = Tag.objects.filter(name=clean).first()
        if tag is None or not conversation.tags.filter(pk=tag.pk).exists():
            raise InvalidMessage(f"This conversation has no tag '{clean}'.", code="unknown_tag")
        conversation.tags.remove(tag)
        _row_changed(conversation)
