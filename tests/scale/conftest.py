"""The conversations suite's deterministic bot (tests/conversations/conftest.py), for the resend tests."""

from tests.conversations.conftest import bot, pipeline  # noqa: F401
