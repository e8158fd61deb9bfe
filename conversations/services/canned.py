"""Canned replies: staff write them once, agents insert them with `/shortcut`. Every save checks the text
and its variables here, whichever door (admin, API) it came through."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from conversations.errors import InvalidMessage
from conversations.models import CannedReply
from conversations.selectors import CANNED_VARIABLES, canned_variables

CANNED_MAX_CHARS = CannedReply._meta.get_field("text").max_length
TITLE_MAX_CHARS = CannedReply._meta.get_field("title").max_length
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def storable_text(text: str) -> bool:
    """PostgreSQL text holds neither NUL characters nor unpaired surrogates (JSON can carry both)."""
    return "\x00" not in text and text.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace") == text


def canned_text_clean(text: object) -> str:
    """The reply's text, or a refusal that says what is wrong (empty, too long, an unknown variable)."""
    if not isinstance(text, str):
        raise InvalidMessage("A canned reply's text must be a string.", code="invalid_canned_reply")
    text = text.strip()
    if not text:
        raise InvalidMessage("A canned reply needs some text.", code="invalid_canned_reply")
    if len(text) > CANNED_MAX_CHARS:
        raise InvalidMessage(f"A canned reply is at most {CANNED_MAX_CHARS} characters; this one is {len(text)}.",
                             code="canned_reply_too_long")
    unknown = sorted({v for v in canned_variables(text) if v not in CANNED_VARIABLES})
    if unknown:
        known = ", ".join("{{" + v + "}}" for v in CANNED_VARIABLES)
        raise InvalidMessage(f"Unknown variable {', '.join('{{' + v + '}}' for v in unknown)}; the known ones are {known}.",
                             code="unknown_variable")
    if not storable_text(text):
        raise InvalidMessage("A canned reply must not contain NUL characters or unpaired surrogates.", code="invalid_canned_reply")
    return text


def shortcut_clean(shortcut: object) -> str:
    if not isinstance(shortcut, str) or not _SHORTCUT.match(shortcut.strip().lstrip("/").lower()):
        raise InvalidMessage("A shortcut is 1 to 40 lower-case letters, digits, '-' or '_' (typed after '/').", code="invalid_shortcut")
    return shortcut.strip().lstrip("/").lower()


def _title_clean(title: object) -> str:
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > TITLE_MAX_CHARS or not storable_text(title):
        raise InvalidMessage(f"A canned reply needs a title of 1 to {TITLE_MAX_CHARS} characters.", code="invalid_canned_reply")
    return title.strip()


def canned_reply_save(*, title: object, shortcut: object, text: object, user: AbstractBaseUser | None,
                      canned: CannedReply | None = None) -> CannedReply:
    """Create a canned reply, or change ``canned``; all checked before anything is stored.

    The text is the organisation's own wording (like an article's), so it is stored as staff wrote it;
    what an agent sends from it passes anonymization with every agent message."""
    clean_title, clean_shortcut, clean_text = _title_clean(title), shortcut_clean(shortcut), canned_text_clean(text)
    taken = CannedReply.objects.filter(shortcut=clean_shortcut)
    if canned is not None:
        taken = taken.exclude(pk=canned.pk)
    if taken.exists():
        raise InvalidMessage(f"The shortcut /{clean_shortcut} is already used by another canned reply.", code="shortcut_taken")
    with transaction.atomic():
        if canned is None:
            return CannedReply.objects.create(title=clean_title, shortcut=clean_shortcut, text=clean_text, created_by=user)
        canned.title, canned.shortcut, canned.text = clean_title, clean_shortcut, clean_text
        canned.save(update_fields=["title", "shortcut", "text", "updated_at"])
    return canned


def canned_reply_delete(*, canned: CannedReply) -> None:
    canned.delete()
