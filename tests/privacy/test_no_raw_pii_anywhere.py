"""A PII-laden conversation through the REST API leaves no raw value in any table or log line."""

import io
import logging

import pytest
from django.conf import settings
from django.db import connection

from conversations import roles
from conversations.logfilter import AnonymizingFilter
from tests.factories import UserFactory

RAW_VALUES = {
    "email": "maria.gonzalez@example.com",
    "phone": "+44 7700 900123",
    "card": "4111 1111 1111 1111",
    "iban": "DE89 3704 0044 0532 0130 00",
    "order": "ORD-558812",
    "ip": "203.0.113.77",
    "password": "Tr0ub4dor&3",
}
CUSTOMER_LINES = [
    f"Hi, my email is {RAW_VALUES['email']} and my phone is {RAW_VALUES['phone']}.",
    f"I paid with card {RAW_VALUES['card']} for order {RAW_VALUES['order']}.",
    f"Refund to IBAN {RAW_VALUES['iban']} please; I logged in from {RAW_VALUES['ip']}.",
    f"my password is {RAW_VALUES['password']} if you need it",
    f"Again, write to {RAW_VALUES['email']}.",
]
AGENT_LINE = f"Thanks, I will email you at {RAW_VALUES['email']} about order {RAW_VALUES['order']}."


def _every_cell() -> str:
    """The text of every column of every row of every table."""
    cells = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                cells.extend(bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v) for v in row)
    return "\n".join(cells)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum())


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(AnonymizingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


@pytest.mark.django_db(transaction=True)
def test_conversation_over_rest_stores_and_logs_no_raw_value(anon_api, log_stream):
    created = anon_api.post("/api/v1/conversations/", {}, format="json").json()
    anon_api.credentials(HTTP_AUTHORIZATION=f"Conversation {created['access_token']}")
    url = f"/api/v1/conversations/{created['id']}/messages/"
    for i, line in enumerate(CUSTOMER_LINES):
        response = anon_api.post(url, {"text": line, "client_message_id": f"m{i}"}, format="json")
        assert response.status_code == 201, response.content
        logging.getLogger("conversations.test").warning("customer said: %s", line)
    agent = UserFactory(username="pat", is_staff=True, groups=[roles.AGENTS])
    from conversations import services
    from conversations.models import Conversation

    conversation = Conversation.objects.get(public_id=created["id"])
    services.agent_message_post(conversation=conversation, agent=agent, text=AGENT_LINE)

    transcript = anon_api.get(url).json()
    texts = [m["text"] for m in transcript]
    assert "<EMAIL_1>" in texts[0] and "<PHONE_1>" in texts[0]
    # The same address is the same placeholder every time, also in the agent's reply.
    assert any("Again, write to <EMAIL_1>" in t for t in texts)
    assert any(t.startswith("Thanks, I will email you at <EMAIL_1> about order <ORDER_ID_1>") for t in texts)

    everything, logs = _every_cell(), log_stream.getvalue()
    assert "customer said" in logs
    for name, raw in RAW_VALUES.items():
        assert raw not in everything, f"raw {name} stored"
        assert raw not in logs, f"raw {name} logged"
        if name in ("card", "iban", "phone"):
            assert _digits(raw) not in _digits(everything), f"{name} digits stored"


def test_logging_config_filters_every_handler():
    handlers = settings.LOGGING["handlers"]
    assert handlers and all("anonymize" in h.get("filters", []) for h in handlers.values())


def test_log_filter_scrubs_tracebacks(log_stream):
    try:
        raise ValueError(f"bad card {RAW_VALUES['card']}")
    except ValueError:
        logging.getLogger("conversations.test").exception("failed for %s", RAW_VALUES["email"])
    logs = log_stream.getvalue()
    assert "ValueError" in logs and "<CARD_1>" in logs
    assert RAW_VALUES["card"] not in logs and RAW_VALUES["email"] not in logs
