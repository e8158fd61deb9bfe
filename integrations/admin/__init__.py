"""Admin for integrations: webhooks (endpoints, deliveries) and bot actions (definitions, calls)."""

from integrations.admin import actions, webhooks  # noqa: F401 - registers the ModelAdmins
