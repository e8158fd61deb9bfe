"""The agent console's own state: how far an agent has read each conversation (the unread counters) and
whether they want desktop notifications and a sound (remembered across sessions)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from conversations.errors import InvalidMessage
from conversations.models import AgentProfile, Conversation, ConversationReadMarker


def conversation_mark_read(*, agent: AbstractBaseUser, conversation: Conversation, up_to: object = None) -> int:
    """The agent has read the conversation up to message ``up_to`` (default: its latest). Markers only move
    forward, so a late frame never brings messages back as unread. Returns the marker's message id."""
    if up_to is not None and (isinstance(up_to, bool) or not isinstance(up_to, int) or up_to < 0):
        raise InvalidMessage("'message' must be a message id (a whole number).", code="invalid_message_id")
    latest = conversation.messages.aggregate(last=Max("id"))["last"] or 0
    target = latest if up_to is None else min(up_to, latest)
    with transaction.atomic():
        marker, _ = ConversationReadMarker.objects.select_for_update().get_or_create(agent=agent, conversation=conversation)
        if target > marker.last_read_message_id:
            marker.last_read_message_id = target
            marker.save(update_fields=["last_read_message_id", "updated_at"])
    return marker.last_read_message_id


def notification_preferences_set(*, agent: AbstractBaseUser, desktop: object = None, sound: object = None) -> AgentProfile:
    """Opt in or out of desktop notifications and the sound; a value left out keeps its setting."""
    for name, value in (("desktop", desktop), ("sound", sound)):
        if value is not None and not isinstance(value, bool):
            raise InvalidMessage(f"'{name}' must be true or false.", code="invalid_preference")
    if desktop is None and sound is None:
        raise InvalidMessage("Give 'desktop' or 'sound' (true or false).", code="invalid_preference")
    with transaction.atomic():
        profile, _ = AgentProfile.objects.select_for_update().get_or_create(user=agent)
        fields = []
        if desktop is not None:
            profile.notify_desktop = desktop
            fields.append("notify_desktop")
        if sound is not None:
            profile.notify_sound = sound
            fields.append("notify_sound")
        profile.save(update_fields=fields)
    return profile
