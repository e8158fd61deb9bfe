"""Checks shared by the definitions of webhooks and actions."""

from __future__ import annotations

from integrations.errors import IntegrationInvalid
from integrations.outbound import OutboundError, OutboundFailed, check_url


def outbound_url_clean(url: object) -> str:
    """A URL an outbound call may go to now (resolved and checked), or IntegrationInvalid saying why not."""
    if not isinstance(url, str) or not url.strip() or len(url) > 500:
        raise IntegrationInvalid("url must be an http or https URL of at most 500 characters.", code="invalid_url")
    try:
        check_url(url.strip())
    except OutboundFailed as exc:
        raise IntegrationInvalid(f"url: {exc}", code="invalid_url") from None
    except OutboundError as exc:
        raise IntegrationInvalid(f"url: {exc}", code="url_not_allowed") from None
    return url.strip()
