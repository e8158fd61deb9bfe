"""Celery tasks of the connectors: thin, taking ids; retries with exponential backoff where a remote side may be down."""

from __future__ import annotations

import logging

from celery import shared_task

from connectors.chatwoot.bot import chatwoot_reply_forward
from connectors.chatwoot.client import ChatwootCallFailed
from connectors.email.imap import imap_poll
from connectors.email.sending import EmailNotSent, email_reply_send
from connectors.kb.service import article_import_execute
from connectors.models import ArticleImport
from conversations.errors import ImportFailed
from conversations.models import Message

logger = logging.getLogger(__name__)

MAX_RETRIES = 6  # 30 s, 1, 2, 4, 8, 16 min


def _backoff(retries: int) -> int:
    return 30 * 2**retries


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def email_reply_send_task(self, message_id: int) -> None:
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return
    try:
        email_reply_send(message=message)
    except EmailNotSent as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def chatwoot_reply_forward_task(self, message_id: int) -> None:
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return
    try:
        chatwoot_reply_forward(message=message)
    except ChatwootCallFailed as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(acks_late=True, reject_on_worker_lost=True)
def article_import_task(import_id: int) -> None:
    record = ArticleImport.objects.filter(pk=import_id, status=ArticleImport.Status.QUEUED).first()
    if record is None:
        return
    try:
        article_import_execute(record=record)
    except ImportFailed as exc:  # recorded on the import, shown in admin and the API
        logger.info("Article import %s failed: %s", import_id, exc.message)


@shared_task
def email_imap_poll_task() -> int:
    return imap_poll()
