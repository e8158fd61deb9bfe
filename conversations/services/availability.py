"""Who is there to answer: agents set themselves online or away (their console reports that it is
open), staff set the business's opening hours, and a customer handed off when no one can answer
may leave an e-mail address for the reply."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from conversations.errors import InvalidMessage
from conversations.events import availability_event, console_event, publish_on_commit
from conversations.models import AgentProfile, BusinessHours, Conversation, OpeningHours
from conversations.privacy import anonymize_text
from conversations.selectors import conversation_current, last_message_text

EMAIL_MAX_CHARS = 254
_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
_PLACEHOLDER_CHARS = Conversation._meta.get_field("contact_email").max_length


def agent_availability_set(*, agent: AbstractBaseUser, availability: object) -> AgentProfile:
    if availability not in AgentProfile.Availability.values:
        raise InvalidMessage("Availability is 'online' or 'away'.", code="invalid_availability")
    with transaction.atomic():
        profile, _ = AgentProfile.objects.select_for_update().get_or_create(user=agent)
        profile.availability, profile.last_seen_at = availability, timezone.now()
        profile.save(update_fields=["availability", "last_seen_at"])
        publish_on_commit([availability_event(agent, str(availability))])
    return profile


def agent_seen(*, agent: AbstractBaseUser) -> None:
    """The agent's console is open (it says so on connecting and every minute); nothing to publish."""
    AgentProfile.objects.update_or_create(user=agent, defaults={"last_seen_at": timezone.now()})


def time_zone_clean(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 64 or "\x00" in name:
        raise InvalidMessage("Name a time zone, e.g. Europe/London.", code="invalid_time_zone")
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidMessage(f"{name.strip()!r} is not a known time zone (e.g. Europe/London).", code="invalid_time_zone") from None
    return name.strip()


def _time(value: object, what: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise InvalidMessage(f"{what} must be a time written HH:MM, not {str(value)[:20]!r}.", code="invalid_hours") from None


def opening_hours_clean(hours: object) -> list[tuple[int, dt.time, dt.time]]:
    """[{weekday 0-6, opens, closes}], several a day allowed, each closing after it opens and none overlapping."""
    if not isinstance(hours, list) or len(hours) > 7 * 6:
        raise InvalidMessage("Opening hours are a list of {weekday, opens, closes} (at most 42).", code="invalid_hours")
    clean = []
    for row in hours:
        if not isinstance(row, dict):
            raise InvalidMessage("Each opening is {weekday, opens, closes}.", code="invalid_hours")
        weekday = row.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise InvalidMessage("weekday is 0 (Monday) to 6 (Sunday).", code="invalid_hours")
        opens, closes = _time(row.get("opens"), "opens"), _time(row.get("closes"), "closes")
        if closes <= opens:
            raise InvalidMessage(f"On day {weekday} the hours close at {closes:%H:%M}, not after they open at {opens:%H:%M}.",
                                 code="invalid_hours")
        clean.append((weekday, opens, closes))
    clean.sort()
    for (d1, _, c1), (d2, o2, _) in itertools.pairwise(clean):
        if d1 == d2 and o2 < c1:
            raise InvalidMessage(f"Two openings overlap on day {d1}.", code="invalid_hours")
    return clean


def business_hours_set(*, time_zone: object, hours: object) -> BusinessHours:
    """Replace the business's time zone and opening hours, all or nothing."""
    zone, opening = time_zone_clean(time_zone), opening_hours_clean(hours)
    with transaction.atomic():
        row = BusinessHours.objects.select_for_update().order_by("id").first() or BusinessHours()
        row.time_zone = zone
        row.save()
        row.opening_hours.all().delete()
        OpeningHours.objects.bulk_create([OpeningHours(business=row, weekday=d, opens=o, closes=c) for d, o, c in opening])
    return row


def contact_email_leave(*, conversation: Conversation, email: object) -> Conversation:
    """The customer leaves an e-mail address for the answer: only its placeholder is stored on the
    conversation, the address itself goes to the vault (conversations/privacy.py)."""
    if not isinstance(email, str) or len(email.strip()) > EMAIL_MAX_CHARS:
        raise InvalidMessage("Give an e-mail address.", code="invalid_email")
    address = email.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidMessage("That does not look like an e-mail address.", code="invalid_email") from None
    if conversation.status == Conversation.Status.CLOSED:
        raise InvalidMessage("This conversation is closed.", code="conversation_closed")
    with transaction.atomic():
        stored = anonymize_text(address, conversation=conversation)
        if len(stored) > _PLACEHOLDER_CHARS or (settings.PII_ANONYMIZE and not _PLACEHOLDER.fullmatch(stored)):
            # The engine did not take the address as one value: store nothing rather than the address or a cut copy.
            raise InvalidMessage("That e-mail address could not be kept safely.", code="invalid_email")
        Conversation.objects.filter(pk=conversation.pk).update(contact_email=stored, updated_at=timezone.now())
        current = conversation_current(conversation)
        publish_on_commit([console_event(current, last_message=last_message_text(current))])
    return current
