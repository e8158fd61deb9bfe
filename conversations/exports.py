"""Transcript exports (JSONL: a conversation a line; CSV: a message a row)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet

from conversations.models import Conversation, Message

CSV_COLUMNS = ["conversation_id", "status", "channel", "rating", "message_id", "role", "created_at", "intent", "confidence", "text"]


def _with_messages(conversations: QuerySet[Conversation]) -> Iterable[Conversation]:
    messages = Message.objects.select_related("intent").order_by("created_at", "id")
    return conversations.select_related(None).prefetch_related(Prefetch("messages", queryset=messages)).order_by("created_at")


def _message_dict(m: Message) -> dict:
    return {
        "id": m.pk, "role": m.role, "text": m.text, "intent": m.intent.name if m.intent else None,
        "confidence": m.confidence, "sources": m.sources, "created_at": m.created_at.isoformat(),
    }


def transcripts_jsonl(conversations: QuerySet[Conversation]) -> Iterator[str]:
    for c in _with_messages(conversations):
        yield json.dumps({
            "id": str(c.public_id), "status": c.status, "channel": c.channel, "rating": c.rating,
            "created_at": c.created_at.isoformat(), "escalated_at": c.escalated_at.isoformat() if c.escalated_at else None,
            "messages": [_message_dict(m) for m in c.messages.all()],
        }, ensure_ascii=False) + "\n"


def transcripts_csv(conversations: QuerySet[Conversation]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in _with_messages(conversations):
        for m in c.messages.all():
            writer.writerow([
                c.public_id, c.status, c.channel, c.rating or "", m.pk, m.role, m.created_at.isoformat(),
                m.intent.name if m.intent else "", "" if m.confidence is None else f"{m.confidence:.4f}", m.text,
            ])
    return out.getvalue()
