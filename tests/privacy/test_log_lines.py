"""Log scrubbing keeps the server's own bind address, module and library names, and still never writes
a customer's value (issue #19)."""

from __future__ import annotations

import logging

import pytest

from conversations.logfilter import AnonymizingFilter


def _through_filter(message: str, *args: object) -> str:
    record = logging.LogRecord("daphne.server", logging.INFO, __file__, 1, message, args, None)
    AnonymizingFilter().filter(record)
    return record.getMessage()


@pytest.mark.parametrize("line", [
    "Listening on TCP address 0.0.0.0:8000",
    "Listening on TCP address 127.0.0.1:8000",
    "Configuring endpoint tcp:port=8000:interface=10.1.2.3",
    "Loaded Presidio and spaCy in 7.6 s",
    "Pipeline failed in conversations.services.messages",
])
def test_the_servers_own_details_stay(settings, line):
    settings.PII_ANONYMIZE = True
    assert _through_filter(line) == line


def test_a_customers_values_are_still_replaced(settings):
    settings.PII_ANONYMIZE = True
    line = _through_filter("customer %s from %s wrote from 203.0.113.77", "maria.gonzalez@example.com", "+44 7700 900123")
    assert line == "customer <EMAIL_1> from <PHONE_1> wrote from <IP_1>"
