"""Forgetting: a customer ends and forgets their conversation; staff erase everything held about a person.

``conversation_forget``: the customer's widget button. The conversation is closed, its access token
revoked (every open socket of it is closed) and its originals erased from the vault at once; the
transcript keeps only placeholders.

``person_erase``: the right to erasure, by one of the person's values (an e-mail address, a phone
number, a name...). Every conversation whose vault holds that value or whose text still contains it
is deleted with its messages, vault entries and the training examples taken from it; vault entries
outside conversations that hold it are deleted; and every text file under CHATBOT_MODEL_DIR and
PII_ERASURE_DIRS (training snapshots and data copies in run folders, index metadata, exports) has
the person's values and message texts replaced by ``[erased]`` in place, so line-aligned files
(an index's entries.jsonl) keep their alignment. A PiiErasure row records who erased, when, and
how much; it never holds the value.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from conversations import vault
from conversations.errors import InvalidMessage
from conversations.events import publish_on_commit, revoked_event
from conversations.models import Conversation, Message, PiiErasure, PiiVaultEntry, TrainingExample
from conversations.pii import allow_key
from conversations.services.agents import conversation_close
from conversations.services.conversations import conversation_token_revoke

logger = logging.getLogger(__name__)

ERASE_PERM = "conversations.erase_pii"
ERASED = "[erased]"
MIN_VALUE_CHARS = 3
# Message texts shorter than this ("hi", "<PERSON_1>") say nothing of the person and are everywhere.
MIN_TEXT_CHARS = 12
MAX_FILE_BYTES = 200 * 1024 * 1024


def conversation_forget(*, conversation: Conversation) -> Conversation:
    """End the conversation and forget it: closed, token revoked, originals erased from the vault."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status != Conversation.Status.CLOSED:
            locked = conversation_close(conversation=locked)
        conversation_token_revoke(conversation=locked)
        vault.vault_purge_conversation(conversation=locked)
    return locked


def person_erase(*, value: object, user: AbstractBaseUser, reason: str = "") -> PiiErasure:
    """Erase everything held about the person one of whose values is ``value``; record it."""
    if not user.has_perm(ERASE_PERM):
        raise PermissionDenied("Erasing personal data needs the 'erase_pii' permission.")
    if not isinstance(value, str) or len(value.strip()) < MIN_VALUE_CHARS:
        raise InvalidMessage(f"Give one of the person's values, at least {MIN_VALUE_CHARS} characters long.", code="invalid_value")
    value = " ".join(value.split())
    with transaction.atomic():
        entries, originals = vault.vault_entries_holding(key=allow_key, value=value)
        conversation_ids = set(originals) | set(
            Message.objects.filter(text__icontains=value).values_list("conversation_id", flat=True))
        conversations = Conversation.objects.filter(pk__in=conversation_ids)
        texts = list(Message.objects.filter(conversation_id__in=conversation_ids, role=Message.Role.CUSTOMER)
                     .values_list("text", flat=True))
        needles = _needles([value, *(v for values in originals.values() for v in values)], texts)
        examples = TrainingExample.objects.filter(message__conversation_id__in=conversation_ids) | TrainingExample.objects.filter(
            text__icontains=value)
        counts = {
            "conversations": len(conversation_ids),
            "messages": Message.objects.filter(conversation_id__in=conversation_ids).count(),
            "vault_entries": PiiVaultEntry.objects.filter(conversation_id__in=conversation_ids).count()
            + sum(1 for e in entries if e.conversation_id is None),
            "training_examples": examples.count(),
        }
        for current in conversations:
            publish_on_commit([revoked_event(current)])  # its open sockets close
        examples.delete()
        PiiVaultEntry.objects.filter(pk__in=[e.pk for e in entries if e.conversation_id is None]).delete()
        conversations.delete()
        files = _redact_files(needles)
        record = PiiErasure.objects.create(user=user, reason=reason[:255], matched_by=entries[0].entity_type if entries else "text",
                                           files=files, **counts)
    logger.info("Personal data erasure %s: %s conversation(s), %s file(s)", record.pk, counts["conversations"], len(files))
    return record


def _needles(values: list[str], texts: list[str]) -> list[str]:
    """What to look for in files: each value, the digits of a long number, the person's longer messages."""
    found = set()
    for value in values:
        value = " ".join(value.split())
        if len(value) >= MIN_VALUE_CHARS:
            found.add(value)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 6:
            found.add(digits)
    found.update(t for t in texts if len(t) >= MIN_TEXT_CHARS)
    return sorted(found, key=len, reverse=True)


def _scan_roots() -> list[Path]:
    return [Path(p) for p in [settings.MODEL_DIR, *settings.PII_ERASURE_DIRS] if p and Path(p).is_dir()]


def _redact_files(needles: list[str]) -> list[str]:
    """Replace the needles in every text file under the scan roots; the paths of the files changed."""
    forms = {form for needle in needles for form in (needle, json.dumps(needle)[1:-1], json.dumps(needle, ensure_ascii=False)[1:-1])}
    pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)), re.IGNORECASE) if forms else None
    changed = []
    for root in _scan_roots():
        for path in sorted(root.rglob("*")):
            if pattern is None or path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
            if b"\0" in data[:8192]:
                continue  # binary (weights, a FAISS index): holds no text to redact
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            redacted = pattern.sub(ERASED, text)
            if redacted != text:
                _write_atomically(path, redacted)
                changed.append(str(path))
    return changed


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".erasure-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    shutil.copymode(path, tmp)
    os.replace(tmp, path)
