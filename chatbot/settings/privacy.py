"""PII anonymization and the encrypted vault of originals."""

from chatbot.settings.env import env_bool, env_int, env_list, env_str

# Switching this off stores text as typed: for development against synthetic data only.
PII_ANONYMIZE = env_bool("PII_ANONYMIZE", True)
# Entity types to detect; empty means every type the engine knows.
PII_ENTITIES = env_list("PII_ENTITIES")
# Presidio recognizers outside our market, off by default (e.g. NhsRecognizer).
PII_EXTRA_RECOGNIZERS = env_list("PII_EXTRA_RECOGNIZERS")
# JSON object: entity type -> list of regexes for the business's own ids (order, account, ticket).
PII_ID_PATTERNS_JSON = env_str("PII_ID_PATTERNS_JSON")
PII_RETENTION_DAYS = env_int("PII_RETENTION_DAYS", 30)
# Fernet keys, newest first; older keys still decrypt until `rotate_pii_key` re-encrypts (docs/privacy.md).
PII_VAULT_KEYS = env_list("PII_VAULT_KEYS")
# The organisation's own public details (phone numbers, addresses, e-mail addresses, URLs) that are never
# personal data, in addition to those in published knowledge-base articles (docs/privacy.md, allow-list).
PII_ORGANISATION_VALUES = env_list("PII_ORGANISATION_VALUES")
# Folders besides CHATBOT_MODEL_DIR where files may hold personal data (transcript exports...):
# erasing a person (docs/privacy.md) redacts their values in every text file found under them.
PII_ERASURE_DIRS = env_list("PII_ERASURE_DIRS")
