"""Test settings: the same stack as local, with cheap password hashing."""

from chatbot.settings.base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public_create": "1000/min", "public_message": "1000/min"}}  # noqa: F405
# Training tests activate versions straight after training; tests/audit turns these on where it tests them.
AUDIT_GATE_ENABLED = False
AUDIT_ON_NEW_VERSION = False
# The answer-quality gate likewise; tests/evaluation turns it on where it tests it.
ANSWER_GATE_ENABLED = False
ANSWER_EVAL_ON_NEW_VERSION = False
