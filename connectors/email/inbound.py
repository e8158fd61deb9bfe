"""An inbound e-mail becomes a customer message: of the conversation its thread headers point to, or of a new one."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from connectors.email.address import address_reveal, address_vault, same_address
from connectors.email.parsing import InboundEmail
from connectors.models import EmailMessageRef, EmailThread
from conversations.models import Conversation
from conversations.privacy import anonymize_text
from conversations.services.conversations import conversation_create
from conversations.services.messages import Exchange, customer_message_receive

logger = logging.getLogger(__name__)


def _client_id(message_id: str) -> str:
    # The Message-ID makes a provider's retry (or a second IMAP poll) answer with the first copy.
    return "email:" + hashlib.sha256(message_id.encode()).hexdigest()[:58]


def _thread_of(mail: InboundEmail) -> EmailThread | None:
    """The open thread this mail answers, when it comes from the thread's own address."""
    if not mail.thread_ids:
        return None
    ref = (EmailMessageRef.objects.select_related("thread__conversation")
           .filter(mail_id__in=mail.thread_ids).order_by("-id").first())
    if ref is None:
        return None
    thread = ref.thread
    if thread.conversation.status == Conversation.Status.CLOSED:
        return None
    owner = address_reveal(conversation=thread.conversation, placeholder=thread.address_placeholder)
    # Knowing a Message-ID of someone else's thread must not let a stranger write into it.
    if owner is None or not same_address(owner, mail.sender):
        return None
    return thread


def _thread_start(mail: InboundEmail) -> EmailThread:
    with transaction.atomic():
        conversation = conversation_create(channel=Conversation.Channel.EMAIL)
        list(Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("pk", flat=True))
        placeholder = address_vault(conversation=conversation, address=mail.sender)
        subject = anonymize_text(mail.subject, conversation=conversation)[:255] if mail.subject else ""
        return EmailThread.objects.create(conversation=conversation, address_placeholder=placeholder, subject=subject,
                                          provider=mail.provider)


def email_receive(*, mail: InboundEmail) -> Exchange:
    """Store the mail as the customer's message (the bot answers it as in any channel; the reply goes out by SMTP).

    The mail's Message-ID is recorded on its thread before the message is stored, so the reply (sent once the
    answer commits) already finds what it answers. The same mail again (a provider's retry, a second poll)
    answers with the first copy."""
    ref = EmailMessageRef.objects.select_related("thread__conversation").filter(mail_id=mail.message_id).first()
    if ref is None:
        thread = _thread_of(mail) or _thread_start(mail)
        try:
            ref = EmailMessageRef.objects.create(thread=thread, mail_id=mail.message_id, direction=EmailMessageRef.Direction.INBOUND,
                                                 status=EmailMessageRef.Status.RECEIVED)
        except IntegrityError:  # the same mail raced in: the first record stands
            ref = EmailMessageRef.objects.select_related("thread__conversation").get(mail_id=mail.message_id)
    exchange = customer_message_receive(conversation=ref.thread.conversation, text=mail.text[: settings.CHAT_MAX_MESSAGE_CHARS],
                                        client_message_id=_client_id(mail.message_id))
    if ref.message_id is None:
        EmailMessageRef.objects.filter(pk=ref.pk, message__isnull=True).update(message=exchange.message)
    return exchange
