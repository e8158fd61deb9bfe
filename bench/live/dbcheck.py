"""After a load run or a drill: is every customer message stored exactly once, with exactly one reply or hand-off?

Run inside the benchmark's Django environment (the daphne's settings and database) with what the
clients sent on stdin, as JSON {conversation public id: {client_message_id: acknowledged message id or null}}:

    python -m bench.live.dbcheck < sent.json

Prints one JSON object of counts. A customer message is answered when exactly one message replies
to it (a bot answer or a hand-off notice); one sent while people already had the conversation (after
its hand-off notice) is answered by that hand-off and must have no reply of its own.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

PROBLEMS = ("missing", "duplicated", "unknown", "unanswered", "answered_twice", "ack_mismatch")


def integrity(sent: dict[str, dict[str, int | None]]) -> dict:
    from conversations.models import Conversation, Message

    counts = Counter({name: 0 for name in (*PROBLEMS, "conversations", "sent", "stored", "answered", "silent_after_handoff")})
    examples: list[str] = []
    found = {str(c.public_id): c for c in Conversation.objects.filter(public_id__in=list(sent))}
    counts["conversations"] = len(found)
    for public_id, messages in sent.items():
        counts["sent"] += len(messages)
        conversation = found.get(public_id)
        messages_of = Message.objects.filter(conversation=conversation).order_by("id")
        rows = list(messages_of.values("id", "role", "client_message_id", "reply_to_id")) if conversation else []
        customer = [r for r in rows if r["role"] == Message.Role.CUSTOMER]
        stored = Counter(r["client_message_id"] for r in customer)
        counts["stored"] += len(customer)
        for client_id, acked_id in messages.items():
            copies = [r for r in customer if r["client_message_id"] == client_id]
            if not copies:
                counts["missing"] += 1
                examples.append(f"{public_id}/{client_id}: never stored (acknowledged: {acked_id is not None})")
            elif len(copies) > 1:
                counts["duplicated"] += 1
                examples.append(f"{public_id}/{client_id}: stored {len(copies)} times")
            elif acked_id is not None and copies[0]["id"] != acked_id:
                counts["ack_mismatch"] += 1
        counts["unknown"] += sum(n for client_id, n in stored.items() if client_id not in messages)
        replies = Counter(r["reply_to_id"] for r in rows if r["reply_to_id"] is not None)
        first_notice = min((r["id"] for r in rows if r["role"] == Message.Role.SYSTEM), default=None)
        for row in customer:
            n = replies.get(row["id"], 0)
            if n == 1:
                counts["answered"] += 1
            elif n > 1:
                counts["answered_twice"] += 1
                examples.append(f"{public_id}/{row['client_message_id']}: {n} replies")
            elif first_notice is not None and first_notice < row["id"]:
                counts["silent_after_handoff"] += 1
            else:
                counts["unanswered"] += 1
                examples.append(f"{public_id}/{row['client_message_id']}: no reply")
    return {**counts, "ok": not any(counts[p] for p in PROBLEMS), "examples": examples[:10]}


def main() -> None:
    import django

    django.setup()
    print(json.dumps(integrity(json.load(sys.stdin))))


if __name__ == "__main__":
    main()
