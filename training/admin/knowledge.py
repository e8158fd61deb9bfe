"""The knowledge base in admin, with its index: which index version holds each article, and a
"Rebuild the index" button for people who may start runs."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse

from conversations.admin.content import KnowledgeArticleAdmin
from conversations.errors import ChatError
from conversations.models import KnowledgeArticle
from training.models import ModelVersion
from training.registry.runs import StartTraining
from training.retrieval.job import KIND
from training.retrieval.triggers import index_rebuild_pending

_page = threading.local()  # the active index, read once per changelist page


@admin.display(description="contents")
def index_contents(obj: ModelVersion) -> str:
    if obj.kind != KIND:
        return "–"
    m = obj.metrics or {}
    return f"{m.get('articles')} articles, {m.get('passages')} passages, {m.get('keys')} example keys, {m.get('index_type')}"


def _active_index() -> tuple[int, str, set[int]] | None:
    row = ModelVersion.objects.filter(kind=KIND, is_active=True).values("version", "metrics").first()
    if row is None:
        return None
    metrics = row["metrics"] or {}
    return row["version"], metrics.get("snapshot_at", ""), set(metrics.get("article_ids", []))


class IndexedKnowledgeArticleAdmin(KnowledgeArticleAdmin):
    list_display = [*KnowledgeArticleAdmin.list_display, "index_status"]
    readonly_fields = ["index_status"]
    change_list_template = "admin/conversations/knowledgearticle/change_list.html"

    @admin.display(description="index")
    def index_status(self, obj: KnowledgeArticle) -> str:
        active = getattr(_page, "index", None) or _active_index()
        if obj.pk is None:
            return "indexed once saved and published"
        if not obj.published:
            return "unpublished: not served"
        if active is None:
            return "no index yet"
        version, snapshot_at, ids = active
        if obj.pk not in ids:
            return "not indexed yet"
        if snapshot_at and obj.updated_at > datetime.fromisoformat(snapshot_at):
            return f"v{version}, changed since"
        return f"v{version}"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        _page.index = _active_index()
        try:
            context = {**(extra_context or {}), "index_version": _page.index[0] if _page.index else None,
                       "rebuild_pending": index_rebuild_pending() is not None}
            return super().changelist_view(request, extra_context=context)
        finally:
            _page.index = None

    def get_urls(self) -> list:
        rebuild = path("rebuild-index/", self.admin_site.admin_view(self.rebuild_view), name="conversations_knowledgearticle_rebuild_index")
        return [rebuild, *super().get_urls()]

    def rebuild_view(self, request: HttpRequest) -> HttpResponse:
        back = HttpResponseRedirect(reverse("admin:conversations_knowledgearticle_changelist"))
        if request.method != "POST":
            return back
        if not request.user.has_perm("training.start_trainingrun"):
            raise PermissionDenied
        try:
            # force: rebuild even when nothing changed (e.g. to replace a damaged artifact).
            run = StartTraining(user=request.user, kind=KIND, parameters={"force": True}).execute()
        except ChatError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"Index rebuild queued (training run {run.pk}); the new index is served once built.", messages.SUCCESS)
        return back


admin.site.unregister(KnowledgeArticle)
admin.site.register(KnowledgeArticle, IndexedKnowledgeArticleAdmin)
