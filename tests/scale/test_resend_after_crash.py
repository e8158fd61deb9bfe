"""A customer message stored but never answered is answered when the client sends it again.

The web process answering it died (or the database dropped) between storing the message and storing
the reply. The message carries who is answering it and since when; a resend finds the marker stale
(another process, lease run out) or orphaned (this process, attempt ended) and answers it, exactly
once. A resend while the first answer is still in progress is not answered a second time.
"""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import OperationalError
from django.utils import timezone

from conversations.models import Message
from conversations.services import messages as message_service
from conversations.services.messages import customer_message_receive

pytestmark = pytest.mark.django_db
Role = Message.Role


@pytest.fixture(autouse=True)
def _store_text_as_typed(settings):
    settings.PII_ANONYMIZE = False  # the resend logic is under test here, not anonymization


def _stored_unanswered(conversation, *, client_id: str, by: str, age_s: float) -> Message:
    """What a process that died after storing the message leaves behind."""
    return Message.objects.create(conversation=conversation, role=Role.CUSTOMER, text="When does my card arrive?",
                                  client_message_id=client_id, answering_by=by,
                                  answering_since=timezone.now() - timedelta(seconds=age_s))


def _replies(message: Message) -> int:
    return Message.objects.filter(reply_to=message).count()


def test_a_resend_after_the_answering_process_died_is_answered_once(bot, customer_a, settings):
    settings.CHAT_ANSWER_LEASE_S = 5
    message = _stored_unanswered(customer_a, client_id="m1", by="web-2:4242:deadbeef", age_s=6)
    tokens: list[str] = []
    exchange = customer_message_receive(conversation=customer_a, text="When does my card arrive?", client_message_id="m1",
                                        on_token=tokens.append)
    assert not exchange.created and exchange.answered_now
    assert exchange.message.pk == message.pk and exchange.reply is not None and exchange.reply.role == Role.BOT
    assert "".join(tokens) == exchange.reply.text  # streamed to the socket that resent it
    assert _replies(message) == 1
    message.refresh_from_db()
    assert message.answering_since is None and message.answering_by == ""
    again = customer_message_receive(conversation=customer_a, text="When does my card arrive?", client_message_id="m1")
    assert not again.answered_now and again.reply.pk == exchange.reply.pk
    assert _replies(message) == 1 and Message.objects.filter(conversation=customer_a, role=Role.CUSTOMER).count() == 1


def test_a_resend_after_the_database_dropped_before_the_reply_is_answered(bot, customer_a, monkeypatch):
    create = Message.objects.create

    def drop_on_reply(**fields):  # the database goes away between storing the message and storing its reply
        if fields.get("role") in (Role.BOT, Role.SYSTEM):
            raise OperationalError("server closed the connection unexpectedly")
        return create(**fields)

    monkeypatch.setattr(Message.objects, "create", drop_on_reply)
    with pytest.raises(OperationalError):
        customer_message_receive(conversation=customer_a, text="When does my card arrive?", client_message_id="m1")
    message = Message.objects.get(conversation=customer_a, client_message_id="m1")
    assert _replies(message) == 0 and message.answering_by == message_service.PROCESS_TOKEN
    monkeypatch.setattr(Message.objects, "create", create)  # the database is back
    exchange = customer_message_receive(conversation=customer_a, text="When does my card arrive?", client_message_id="m1")
    assert exchange.answered_now and exchange.reply.role == Role.BOT
    assert _replies(message) == 1


def test_a_resend_while_the_first_answer_is_in_progress_waits_for_it_and_is_not_answered_twice(bot, customer_a, settings, monkeypatch):
    settings.CHAT_ANSWER_LEASE_S = 30
    message = _stored_unanswered(customer_a, client_id="m1", by="web-2:4242:alive", age_s=1)
    slept: list[float] = []

    def other_process_finishes(seconds: float) -> None:  # while the resend waits, the first answer is stored
        slept.append(seconds)
        if len(slept) == 2:
            Message.objects.create(conversation=customer_a, role=Role.BOT, text="Your card arrives in 3-5 working days.",
                                   reply_to=message)
            Message.objects.filter(pk=message.pk).update(answering_since=None, answering_by="")

    # Only the service's clock module is replaced: other threads keep the real time.sleep.
    monkeypatch.setattr(message_service, "time", SimpleNamespace(sleep=other_process_finishes, monotonic=time.monotonic))
    exchange = customer_message_receive(conversation=customer_a, text="When does my card arrive?", client_message_id="m1")
    assert not exchange.created and not exchange.answered_now, slept
    assert exchange.reply is not None and exchange.reply.text.startswith("Your card arrives"), slept
    assert _replies(message) == 1 and len(bot.responder.calls) == 0  # the bot was not asked again


def test_a_message_stored_while_people_had_the_conversation_is_not_answered_on_resend(bot, customer_a):
    Message.objects.create(conversation=customer_a, role=Role.CUSTOMER, text="card?", client_message_id="m1")
    Message.objects.create(conversation=customer_a, role=Role.AGENT, text="Hello, Sam here.")
    exchange = customer_message_receive(conversation=customer_a, text="card?", client_message_id="m1")
    assert not exchange.answered_now and exchange.reply is None and len(bot.responder.calls) == 0
