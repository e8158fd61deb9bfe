from __future__ import annotations

from django.core.management.base import BaseCommand

from conversations import services
from conversations.management.conversation_ids import conversations_by_id


class Command(BaseCommand):
    help = ("Revoke the customers' access tokens of conversations by id (leaked, or left on a shared computer): "
            "their open chat windows close, and the transcripts stay for agents and staff.")

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("ids", nargs="+", metavar="CONVERSATION_ID", help="Public conversation ids (UUIDs).")

    def handle(self, *args: object, ids: list[str], **options: object) -> None:
        for conversation in conversations_by_id(ids):
            services.conversation_token_revoke(conversation=conversation)
            self.stdout.write(f"Revoked the access token of {conversation.public_id}.")
