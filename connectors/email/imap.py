"""Optional IMAP polling (Celery beat, when EMAIL_IMAP_HOST is set): each unseen mail of the folder is received
like a webhook's, then flagged seen. A mail that cannot be read is flagged seen too and logged, so it never blocks
the folder."""

from __future__ import annotations

import imaplib
import logging
from collections.abc import Callable

from django.conf import settings

from connectors.email.inbound import email_receive
from connectors.email.parsing import EmailParseError, from_rfc822
from conversations.errors import ChatError

logger = logging.getLogger(__name__)


def _connect() -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if settings.EMAIL_IMAP_SSL else imaplib.IMAP4
    return cls(settings.EMAIL_IMAP_HOST, settings.EMAIL_IMAP_PORT, timeout=30)


def imap_poll(*, connect: Callable[[], imaplib.IMAP4] = _connect) -> int:
    """Receive every unseen mail; returns how many became customer messages."""
    if not settings.EMAIL_IMAP_HOST:
        return 0
    received = 0
    client = connect()
    try:
        client.login(settings.EMAIL_IMAP_USER, settings.EMAIL_IMAP_PASSWORD)
        client.select(settings.EMAIL_IMAP_FOLDER)
        _status, data = client.search(None, "UNSEEN")
        for number in (data[0] or b"").split():
            _status, parts = client.fetch(number, "(RFC822)")
            raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
            try:
                if raw is None:
                    raise EmailParseError("the server returned no message body")
                email_receive(mail=from_rfc822(raw))
                received += 1
            except (EmailParseError, ChatError) as exc:
                logger.warning("IMAP mail %s skipped: %s", number.decode(errors="replace"), exc)
            client.store(number, "+FLAGS", "\\Seen")
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return received
