"""Bias audits of model versions and the activation gate (docs/audit.md)."""

import json

from chatbot.settings.env import env_bool, env_str

# Activating an intent or responder version needs a passed bias audit (or a recorded override).
AUDIT_GATE_ENABLED = env_bool("AUDIT_GATE_ENABLED", True)
# Every new intent or responder version is audited by a training worker once it is registered.
AUDIT_ON_NEW_VERSION = env_bool("AUDIT_ON_NEW_VERSION", True)
# Overrides of the defaults in training.ml.audit.config.AuditConfig, as JSON,
# e.g. '{"flip_rate_max": {"typos": 0.08}, "min_group_size": 50}'.
AUDIT_THRESHOLDS = json.loads(env_str("AUDIT_THRESHOLDS", "{}"))
# Builds the replies under audit: a callable (version, component) -> (reply function or None, reason).
AUDIT_REPLY_PROVIDER = env_str("AUDIT_REPLY_PROVIDER", "training.audit.replies.pipeline_reply_function")
# Audit prompts go through the same anonymizer as live messages before the pipeline sees them.
AUDIT_ANONYMIZE_PROMPTS = env_bool("AUDIT_ANONYMIZE_PROMPTS", True)
