"""Connected to conversations.events.event_published in IntegrationsConfig.ready()."""

from __future__ import annotations

import logging

from integrations.webhooks.events import webhook_event_for
from integrations.webhooks.services import webhook_deliveries_create

logger = logging.getLogger(__name__)


def on_event_published(sender: object, *, group: str, event: dict, **kwargs: object) -> None:
    mapped = webhook_event_for(event)
    if mapped is None:
        return
    name, data = mapped
    webhook_deliveries_create(event=name, data=data)
