"""Connectors: the e-mail channel, the Chatwoot agent bot, knowledge-base and transcript import (docs/integrations.md)."""

from chatbot.settings.env import env_bool, env_int, env_str

# --- e-mail channel ---------------------------------------------------------------------------------------
# The address customers write to; replies go out from it by SMTP (Django's EMAIL_* settings).
EMAIL_CHANNEL_ADDRESS = env_str("EMAIL_CHANNEL_ADDRESS", "support@kestrel-bank.example")
# Mailgun inbound routes: the HTTP webhook signing key (Mailgun > Settings > Webhook signing key). Empty refuses every post.
MAILGUN_WEBHOOK_SIGNING_KEY = env_str("MAILGUN_WEBHOOK_SIGNING_KEY", "")
# A Mailgun signature older than this many seconds is refused (replays).
MAILGUN_SIGNATURE_MAX_AGE_S = env_int("MAILGUN_SIGNATURE_MAX_AGE_S", 300)
# Postmark inbound webhook: the basic-auth user and password put in the webhook URL. Empty refuses every post.
POSTMARK_INBOUND_USER = env_str("POSTMARK_INBOUND_USER", "")
POSTMARK_INBOUND_PASSWORD = env_str("POSTMARK_INBOUND_PASSWORD", "")
# Optional IMAP polling (a Celery beat task); off unless a host is set.
EMAIL_IMAP_HOST = env_str("EMAIL_IMAP_HOST", "")
EMAIL_IMAP_PORT = env_int("EMAIL_IMAP_PORT", 993)
EMAIL_IMAP_USER = env_str("EMAIL_IMAP_USER", "")
EMAIL_IMAP_PASSWORD = env_str("EMAIL_IMAP_PASSWORD", "")
EMAIL_IMAP_FOLDER = env_str("EMAIL_IMAP_FOLDER", "INBOX")
EMAIL_IMAP_POLL_S = env_int("EMAIL_IMAP_POLL_S", 60)
EMAIL_IMAP_SSL = env_bool("EMAIL_IMAP_SSL", True)
if EMAIL_IMAP_HOST:
    from chatbot.settings.broker import CELERY_BEAT_SCHEDULE as _beat

    # Each unseen mail of the folder becomes a customer message (connectors/email/imap.py).
    _beat["poll-email-imap"] = {"task": "connectors.tasks.email_imap_poll_task", "schedule": float(EMAIL_IMAP_POLL_S)}

# --- Chatwoot agent bot -----------------------------------------------------------------------------------
# The Chatwoot installation's base URL (https://app.chatwoot.com or self-hosted) and the agent bot's access token.
CHATWOOT_BASE_URL = env_str("CHATWOOT_BASE_URL", "")
CHATWOOT_BOT_TOKEN = env_str("CHATWOOT_BOT_TOKEN", "")
# A secret put in the agent bot's outgoing URL (?secret=...): Chatwoot's agent-bot webhook carries no signature.
CHATWOOT_WEBHOOK_SECRET = env_str("CHATWOOT_WEBHOOK_SECRET", "")

# --- imports ----------------------------------------------------------------------------------------------
# The largest file or fetched page a knowledge-base import reads.
KB_IMPORT_MAX_BYTES = env_int("KB_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
# The most URLs one sitemap import fetches.
KB_IMPORT_MAX_URLS = env_int("KB_IMPORT_MAX_URLS", 500)
