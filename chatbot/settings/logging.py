"""Console logging; level from the environment. Every line passes the PII filter."""

from chatbot.settings.env import env_str

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"anonymize": {"()": "conversations.logfilter.AnonymizingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["anonymize"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Presidio logs every analysis at INFO.
    "loggers": {"presidio-analyzer": {"level": "WARNING"}},
}
