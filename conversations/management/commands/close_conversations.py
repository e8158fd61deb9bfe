from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from conversations import services
from conversations.errors import ChatError
from conversations.management.conversation_ids import conversations_by_id


class Command(BaseCommand):
    help = "Close conversations by id (as an agent would); their customers' open chat windows see it at once."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("ids", nargs="+", metavar="CONVERSATION_ID", help="Public conversation ids (UUIDs).")

    def handle(self, *args: object, ids: list[str], **options: object) -> None:
        refused = []
        for conversation in conversations_by_id(ids):
            try:
                services.conversation_close(conversation=conversation)
            except ChatError as exc:
                refused.append(f"{conversation.public_id}: {exc.message}")
            else:
                self.stdout.write(f"Closed {conversation.public_id}.")
        if refused:
            raise CommandError("Not closed:\n" + "\n".join(refused))
