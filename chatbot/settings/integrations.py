"""Integrations: the rules for every outbound call the server makes for someone, webhooks and bot actions."""

import json

from chatbot.settings.env import ImproperlyConfiguredEnv, env_float, env_int, env_list, env_str

# Outbound calls (integrations/outbound.py) refuse loopback, private, link-local, multicast, reserved and
# cloud metadata addresses. These allow-list some anyway: host names (exact, as in the URL) and networks (CIDR).
OUTBOUND_ALLOWED_HOSTS = env_list("OUTBOUND_ALLOWED_HOSTS")
OUTBOUND_ALLOWED_NETWORKS = env_list("OUTBOUND_ALLOWED_NETWORKS")
# Connect and read timeout, and the whole call's deadline, in seconds.
OUTBOUND_TIMEOUT_S = env_float("OUTBOUND_TIMEOUT_S", 10.0)
# A response body larger than this is aborted while streaming.
OUTBOUND_MAX_BYTES = env_int("OUTBOUND_MAX_BYTES", 2 * 1024 * 1024)
# Redirects followed (each hop checked like the first URL).
OUTBOUND_MAX_REDIRECTS = env_int("OUTBOUND_MAX_REDIRECTS", 3)
OUTBOUND_USER_AGENT = env_str("OUTBOUND_USER_AGENT", "chatbot-platform/0.1 (+integrations)")

# Webhooks: tries per delivery, the first retry's delay (doubling after), the per-try timeout, and how many
# failed deliveries in a row disable an endpoint.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_BACKOFF_BASE_S = env_float("WEBHOOK_BACKOFF_BASE_S", 10.0)
WEBHOOK_TIMEOUT_S = env_float("WEBHOOK_TIMEOUT_S", 5.0)
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 5)

# Bot actions: secrets their headers name, as a JSON object {"NAME": "value"}; the call's timeout.
_action_secrets = env_str("ACTION_SECRETS", "{}")
try:
    ACTION_SECRETS: dict[str, str] = {str(k): str(v) for k, v in json.loads(_action_secrets).items()}
except (ValueError, AttributeError) as exc:
    raise ImproperlyConfiguredEnv("ACTION_SECRETS must be a JSON object of names to values.") from exc
ACTION_TIMEOUT_S = env_float("ACTION_TIMEOUT_S", 5.0)
# The bot's turn reaches actions through this factory (training/serving/pipeline.py), so that neither
# conversations nor training imports integrations.
BOT_ACTIONS_PROVIDER = env_str("BOT_ACTIONS_PROVIDER", "integrations.actions.runtime.provider")
