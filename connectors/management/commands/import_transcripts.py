"""manage.py import_transcripts FILE...: historical conversations (CSV or JSONL), all or nothing per file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.transcripts import transcripts_import
from conversations.errors import ImportFailed


class Command(BaseCommand):
    help = "Import historical conversations (conversation_id, role, text, timestamp) through the anonymizer; each file all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="CSV or JSONL files.")

    def handle(self, *args: object, files: list[str], **options: object) -> None:
        failed = []
        for name in files:
            path = Path(name)
            try:
                if not path.is_file():
                    raise ImportFailed("No such file.", errors=[])
                result = transcripts_import(name=path.name, data=path.read_bytes())
            except ImportFailed as exc:
                failed.append("\n".join([f"{name}: {exc.message}", *(f"  {e}" for e in exc.errors)]))
                continue
            self.stdout.write(f"{name}: {result.conversations} conversation(s) from {result.rows} line(s), "
                              f"{result.skipped} imported before, {result.unanswered} unanswered question(s).")
        if failed:
            raise CommandError("\n".join(failed))
