"""Historical conversations imported from transcripts (CSV or JSONL; fields conversation_id, role, text,
timestamp), all or nothing per file, every bad line reported by its number.

Each becomes a closed conversation of the ``import`` channel, every text anonymized by conversations.privacy
as it is stored (the dialogue context included). What they are then used for:
- responder training: training/responder/pairs.py draws pairs from closed conversations in which an agent
  answered (the customer's message, the turns before it, the agent's reply);
- the unanswered-questions report: a customer message that nothing answered (the next turn is the customer's
  again, or the transcript ends) gets a system message with the hand-off reason ``unanswered``, as the bot's
  own hand-offs have theirs, and so does its conversation.
A conversation id already imported from the same file name is skipped (re-importing a file adds nothing).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from connectors.models import ImportedTranscript
from conversations.errors import ImportFailed, InvalidMessage
from conversations.models import Conversation, HandoffReason, Message
from conversations.privacy import anonymize_text

FIELDS = ("conversation_id", "role", "text", "timestamp")
ROLES = {"customer": Message.Role.CUSTOMER, "user": Message.Role.CUSTOMER, "client": Message.Role.CUSTOMER,
         "agent": Message.Role.AGENT, "human": Message.Role.AGENT, "operator": Message.Role.AGENT,
         "bot": Message.Role.BOT, "assistant": Message.Role.BOT}
UNANSWERED_TEXT = "No answer in the imported transcript."
MAX_ERRORS_LISTED = 20
ID_MAX = 120


@dataclass(frozen=True)
class Turn:
    line: int
    conversation_id: str
    role: str
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class TranscriptImportResult:
    rows: int
    conversations: int
    skipped: int
    unanswered: int


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed("The file is not UTF-8 text.", errors=[f"byte {exc.start}: not UTF-8"]) from None
    if "\x00" in text:
        raise ImportFailed("The file contains NUL characters: it is not a text file.", errors=["NUL character"])
    return text


def _timestamp(value: object) -> dt.datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("timestamp is missing")
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _turn(line: int, row: dict) -> Turn:
    missing = [f for f in FIELDS if row.get(f) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    conversation_id, role, text = str(row["conversation_id"]).strip(), str(row["role"]).strip().lower(), row["text"]
    if role not in ROLES:
        raise ValueError(f"role {role[:20]!r} is not one of customer, agent, bot")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text is empty")
    if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ValueError(f"text is longer than {settings.CHAT_MAX_MESSAGE_CHARS} characters")
    try:
        (conversation_id + text).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text or conversation_id holds an unpaired surrogate") from None
    if "\x00" in text or "\x00" in conversation_id:
        raise ValueError("text or conversation_id holds NUL characters")
    if not conversation_id or len(conversation_id) > ID_MAX:
        raise ValueError(f"conversation_id must be 1 to {ID_MAX} characters")
    try:
        at = _timestamp(row["timestamp"])
    except (ValueError, OverflowError, OSError) as exc:
        raise ValueError(f"timestamp {str(row['timestamp'])[:40]!r} is not ISO 8601 or Unix seconds ({exc})") from None
    return Turn(line=line, conversation_id=conversation_id, role=ROLES[role], text=text.strip(), at=at)


def _rows(name: str, text: str) -> list[tuple[int, object]]:
    if name.lower().endswith((".jsonl", ".ndjson")) or text.lstrip().startswith("{"):
        rows: list[tuple[int, object]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except ValueError as exc:
                    rows.append((n, ValueError(f"not JSON ({exc.msg})")))
        return rows
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed(f"The CSV header must name {', '.join(FIELDS)}; missing: {', '.join(missing)}.",
                           errors=[f"line 1: columns found: {', '.join(reader.fieldnames or []) or 'none'}"])
    return [(reader.line_num, row) for row in reader]


def transcripts_parse(*, name: str, data: bytes) -> list[Turn]:
    rows = _rows(name, _decode(data))
    limit = settings.CHAT_IMPORT_MAX_ROWS
    if len(rows) > limit:
        raise ImportFailed(f"The file has more than {limit} rows; split it.", errors=[f"line {rows[limit][0]}: over the limit"])
    turns, errors = [], []
    for line, row in rows:
        try:
            if isinstance(row, Exception):
                raise row
            if not isinstance(row, dict):
                raise TypeError("not an object with conversation_id, role, text, timestamp")
            turns.append(_turn(line, row))
        except (ValueError, TypeError) as exc:
            errors.append(f"line {line}: {exc}")
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_LISTED} more)" if len(errors) > MAX_ERRORS_LISTED else ""
        raise ImportFailed(f"{len(errors)} bad line(s); nothing was imported{more}.", errors=errors[:MAX_ERRORS_LISTED])
    if not turns:
        raise ImportFailed("The file has no rows; nothing was imported.", errors=["no rows"])
    return turns


def _store(conversation: Conversation, turns: list[Turn]) -> int:
    """The turns in time order (file order among equal times); returns how many customer messages nothing answered."""
    unanswered = 0
    ordered = sorted(turns, key=lambda t: (t.at, t.line))
    for i, turn in enumerate(ordered):
        source = "conversation" if turn.role == Message.Role.CUSTOMER else "import"
        try:
            text = anonymize_text(turn.text, conversation=conversation, source=source)
        except InvalidMessage as exc:
            raise ImportFailed("A line could not be anonymized; nothing was imported.", errors=[f"line {turn.line}: {exc.message}"]) from None
        message = Message.objects.create(conversation=conversation, role=turn.role, text=text)
        Message.objects.filter(pk=message.pk).update(created_at=turn.at)
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        if turn.role == Message.Role.CUSTOMER and (following is None or following.role == Message.Role.CUSTOMER):
            unanswered += 1
            notice = Message.objects.create(conversation=conversation, role=Message.Role.SYSTEM, text=UNANSWERED_TEXT,
                                            reply_to=message, handoff_reason=HandoffReason.UNANSWERED)
            Message.objects.filter(pk=notice.pk).update(created_at=turn.at)
    first_agent = next((t.at for t in ordered if t.role == Message.Role.AGENT), None)
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=ordered[0].at, updated_at=ordered[-1].at, closed_at=ordered[-1].at, escalated_at=first_agent,
        handoff_reason=HandoffReason.UNANSWERED if unanswered else "")
    return unanswered


def transcripts_import(*, name: str, data: bytes, user: AbstractBaseUser | None = None) -> TranscriptImportResult:
    """Import every conversation of the file, or none (a bad line fails the whole file)."""
    name = (name or "transcript")[:255]
    turns = transcripts_parse(name=name, data=data)
    by_id: dict[str, list[Turn]] = defaultdict(list)
    for turn in turns:
        by_id[turn.conversation_id].append(turn)
    created = unanswered = 0
    with transaction.atomic():
        done = set(ImportedTranscript.objects.filter(source=name, external_id__in=by_id).values_list("external_id", flat=True))
        for external_id, group in by_id.items():
            if external_id in done:
                continue
            conversation = Conversation.objects.create(channel=Conversation.Channel.IMPORT, status=Conversation.Status.CLOSED,
                                                       closed_at=timezone.now())
            ImportedTranscript.objects.create(conversation=conversation, source=name, external_id=external_id, imported_by=user)
            unanswered += _store(conversation, group)
            created += 1
    return TranscriptImportResult(rows=len(turns), conversations=created, skipped=len(done), unanswered=unanswered)
