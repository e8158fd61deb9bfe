"""Knowledge-base import: every named source read and extracted first, then all articles written in one
transaction, or nothing when any source fails (each failure reported by its name).

A re-import finds an article by its source (path, URL or uploaded file name): unchanged content (same hash) is
left alone, changed content updates the article; nothing is duplicated. The rows are written in bulk, which sends
no per-article signal, and the index is rebuilt once for the whole import when anything changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from connectors.kb.extract import ExtractedArticle, ExtractError, extract
from connectors.kb.fetch import Document, FetchError, is_url, path_documents, sitemap_urls, url_fetch
from connectors.models import ArticleImport
from conversations.errors import ImportFailed
from conversations.models import KnowledgeArticle
from training.retrieval.triggers import index_rebuild_on_commit

SOURCE_MAX = 500
URL_MAX = 200  # KnowledgeArticle.url
Status = ArticleImport.Status


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def source_entries(*, paths_or_urls: Sequence[str] = (), sitemap: str = "") -> list[dict[str, str]]:
    entries = [{"kind": "url" if is_url(s) else "path", "name": s} for s in paths_or_urls]
    if sitemap:
        entries.append({"kind": "sitemap", "name": sitemap})
    return entries


def _read(entries: list[dict[str, str]], errors: list[str]) -> list[Document]:
    documents: list[Document] = []
    for entry in entries:
        name, kind = entry["name"], entry["kind"]
        if kind == "upload":  # read by the request that uploaded it, passed in as documents
            continue
        try:
            if kind == "path":
                documents += path_documents(Path(name))
            elif kind == "url":
                documents.append(url_fetch(name))
            else:
                urls = list(dict.fromkeys(sitemap_urls(url_fetch(name).data)))
                if len(urls) > settings.KB_IMPORT_MAX_URLS:
                    raise FetchError(f"lists {len(urls)} pages; the limit is {settings.KB_IMPORT_MAX_URLS}")
                for url in urls:
                    try:
                        documents.append(url_fetch(url))
                    except FetchError as exc:
                        errors.append(f"{url} (from the sitemap {name}): {exc}")
        except FetchError as exc:
            errors.append(f"{name}: {exc}")
    return documents


def _extract_all(documents: list[Document], errors: list[str]) -> list[ExtractedArticle]:
    articles: dict[str, ExtractedArticle] = {}
    for document in documents:
        if len(document.name) > SOURCE_MAX:
            errors.append(f"{document.name[:80]}...: the name is longer than {SOURCE_MAX} characters")
            continue
        try:
            article = extract(name=document.name, data=document.data, content_type=document.content_type,
                              url=document.url if len(document.url) <= URL_MAX else "")
        except ExtractError as exc:
            errors.append(f"{document.name}: {exc}")
            continue
        articles[article.source] = article  # named twice: read once
    return list(articles.values())


def _unique_slug(title: str, taken: set[str]) -> str:
    base = slugify(title)[:110] or "article"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _write(articles: list[ExtractedArticle]) -> tuple[int, int, int]:
    with transaction.atomic():
        existing = {a.source: a for a in KnowledgeArticle.objects.select_for_update().filter(source__in=[x.source for x in articles])}
        taken = set(KnowledgeArticle.objects.values_list("slug", flat=True))
        new, changed, unchanged, now = [], [], 0, timezone.now()
        for item in articles:
            digest = content_hash(item.title, item.body)
            article = existing.get(item.source)
            if article is None:
                new.append(KnowledgeArticle(slug=_unique_slug(item.title, taken), title=item.title, body=item.body, url=item.url,
                                            source=item.source, content_hash=digest))
            elif article.content_hash == digest:
                unchanged += 1
            else:
                article.title, article.body, article.url, article.content_hash, article.updated_at = item.title, item.body, item.url, digest, now
                changed.append(article)
        KnowledgeArticle.objects.bulk_create(new)
        KnowledgeArticle.objects.bulk_update(changed, ["title", "body", "url", "content_hash", "updated_at"])
        if new or changed:
            index_rebuild_on_commit()  # once for the whole import; bulk writes send no per-article signal
    return len(new), len(changed), unchanged


def article_import_create(*, entries: list[dict[str, str]], user: AbstractBaseUser | None) -> ArticleImport:
    if not entries:
        raise ImportFailed("Name at least one file, folder, URL or sitemap to import.", errors=["no sources"])
    return ArticleImport.objects.create(requested_by=user, sources=entries)


def article_import_execute(*, record: ArticleImport, uploads: Sequence[Document] = ()) -> ArticleImport:
    """Run an import: read and extract everything, then write all of it, or mark it failed with each error by name."""
    ArticleImport.objects.filter(pk=record.pk).update(status=Status.RUNNING)
    errors: list[str] = []
    documents = list(uploads) + _read(list(record.sources), errors)
    articles = _extract_all(documents, errors)
    if not errors and not articles:
        errors.append("nothing to import: no document was found")
    if errors:
        record.status, record.errors, record.finished_at = Status.FAILED, errors, timezone.now()
        record.save(update_fields=["status", "errors", "finished_at"])
        raise ImportFailed(f"{len(errors)} source(s) could not be imported; nothing was imported.", errors=errors[:50])
    record.created, record.updated, record.unchanged = _write(articles)
    record.status, record.finished_at = Status.SUCCEEDED, timezone.now()
    record.save(update_fields=["status", "created", "updated", "unchanged", "finished_at"])
    return record


def upload_documents(files: Sequence[tuple[str, bytes, str | None]]) -> list[Document]:
    """Uploaded files, named ``upload:<file name>`` so that uploading the same file again updates its article."""
    return [Document(name=f"upload:{name}", data=data, content_type=ctype if ctype not in ("application/octet-stream", "") else None)
            for name, data, ctype in files]
