"""manage.py import_articles PATH|URL... [--sitemap URL]: import knowledge articles (all or nothing)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.kb.service import article_import_create, article_import_execute, source_entries
from conversations.errors import ImportFailed


class Command(BaseCommand):
    help = ("Import knowledge articles from Markdown, HTML, PDF or text files, folders of them, page URLs or a sitemap. "
            "Re-importing updates articles by source; the index is rebuilt once; any failure imports nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="*", help="Files, folders or http(s) URLs.")
        parser.add_argument("--sitemap", default="", help="A sitemap.xml URL whose pages are imported.")

    def handle(self, *args: object, sources: list[str], sitemap: str, **options: object) -> None:
        try:
            record = article_import_create(entries=source_entries(paths_or_urls=sources, sitemap=sitemap), user=None)
            record = article_import_execute(record=record)
        except ImportFailed as exc:
            raise CommandError("\n".join([exc.message, *exc.errors])) from None
        self.stdout.write(f"Imported: {record.created} new, {record.updated} updated, {record.unchanged} unchanged (import {record.pk}).")
