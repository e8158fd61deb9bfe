"""The signature on every delivery: HMAC-SHA256 over ``timestamp + "." + body`` with the endpoint's secret.

Header: ``X-Chatbot-Signature: t=<unix seconds>,v1=<hex digest>``. docs/integrations.md has the receiver's
check, which the tests use as written.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Chatbot-Signature"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
