"""Database unavailability reaches API clients as a retryable 503 in the error envelope, never a 500.

The end-to-end outage (a real web process, PostgreSQL cut and restored) is test_database_outage.py;
this checks the handler itself on every database backend, SQLite included.
"""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from rest_framework.test import APIRequestFactory

from conversations.api.errors import exception_handler


@pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError("connection already closed")])
def test_database_errors_become_a_503_with_retry_after_and_no_internal_detail(error):
    request = APIRequestFactory().get("/api/v1/conversations/")
    response = exception_handler(error, {"request": request})
    assert response is not None and response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.data["error"]
    assert body["code"] == "service_unavailable" and "database" in body["message"] and body["details"] == {}
    assert "refused" not in body["message"] and "closed" not in body["message"]  # the driver's text stays in the log
