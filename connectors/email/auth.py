"""Is an inbound post really from the provider? Mailgun signs each post; Postmark sends the basic-auth
credentials put in the webhook URL.

Mailgun (https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/#securing-webhooks):
HMAC-SHA256 over timestamp + token (concatenated) with the HTTP webhook signing key, hex. A signature older
than MAILGUN_SIGNATURE_MAX_AGE_S, or a token seen before, is refused (replays).
Postmark (https://postmarkapp.com/developer/webhooks/inbound-webhook): "https://user:password@host/path" in the
webhook URL, sent as HTTP basic auth.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache


def mailgun_signature(*, key: str, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def mailgun_post_authentic(*, timestamp: object, token: object, signature: object, now: float | None = None) -> bool:
    key = settings.MAILGUN_WEBHOOK_SIGNING_KEY
    if not key or not all(isinstance(v, str) and v for v in (timestamp, token, signature)):
        return False
    if not timestamp.isdigit() or len(token) > 200:  # type: ignore[union-attr]
        return False
    max_age = settings.MAILGUN_SIGNATURE_MAX_AGE_S
    if abs((now or time.time()) - int(timestamp)) > max_age:  # type: ignore[arg-type]
        return False
    expected = mailgun_signature(key=key, timestamp=timestamp, token=token)  # type: ignore[arg-type]
    if not hmac.compare_digest(expected, signature.lower()):  # type: ignore[union-attr]
        return False
    # Each token once: a captured post replayed within the window is refused.
    return cache.add(f"connectors:mailgun-token:{hashlib.sha256(token.encode()).hexdigest()}", 1, max_age * 2)  # type: ignore[union-attr]


def postmark_post_authentic(*, authorization: str | None) -> bool:
    user, password = settings.POSTMARK_INBOUND_USER, settings.POSTMARK_INBOUND_PASSWORD
    if not user or not password or not authorization or not authorization.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(authorization[6:].strip(), validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(given, f"{user}:{password}".encode())
