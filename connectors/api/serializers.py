from __future__ import annotations

from rest_framework import serializers

from connectors.models import ArticleImport


class ReceivedOut(serializers.Serializer):
    conversation = serializers.UUIDField(help_text="The conversation the e-mail or Chatwoot message went to.")
    message = serializers.IntegerField()
    reply = serializers.IntegerField(allow_null=True, help_text="The bot's reply or hand-off notice, sent back by SMTP or Chatwoot's API.")
    status = serializers.CharField()


class IgnoredOut(serializers.Serializer):
    ignored = serializers.CharField(help_text="Why the bot has nothing to do with this event.")


class ArticleImportIn(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  help_text="Markdown, HTML, PDF or text files (multipart), imported at once.")
    urls = serializers.ListField(child=serializers.URLField(max_length=500), required=False, default=list,
                                 help_text="Pages to fetch (a Celery task fetches them).")
    sitemap = serializers.URLField(max_length=500, required=False, default="", allow_blank=True,
                                   help_text="A sitemap.xml whose pages are fetched (a Celery task fetches them).")

    def validate(self, attrs: dict) -> dict:
        has_files, has_urls = bool(attrs["files"]), bool(attrs["urls"] or attrs["sitemap"])
        if has_files == has_urls:
            raise serializers.ValidationError("Send either files, or urls and/or a sitemap (two separate imports).")
        return attrs


class ArticleImportOut(serializers.ModelSerializer):
    class Meta:
        model = ArticleImport
        fields = ["id", "status", "sources", "created", "updated", "unchanged", "errors", "created_at", "finished_at"]


class TranscriptImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="UTF-8 CSV (header conversation_id,role,text,timestamp) or JSONL with those fields.")


class TranscriptImportOut(serializers.Serializer):
    rows = serializers.IntegerField()
    conversations = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Conversations of this file name imported before.")
    unanswered = serializers.IntegerField(help_text="Customer messages nothing answered (they count as unanswered questions).")
