"""What an index is built from: the published articles and, as extra keys, the examples of the
intents they answer (anonymized when they entered the platform, so no personal data is indexed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from conversations.demo import OOS_INTENT
from conversations.models import KnowledgeArticle, TrainingExample
from training.errors import KnowledgeBaseUnusable
from training.ml.common.artifacts import sha256_of_records
from training.ml.retrieval import Article, data_hash


@dataclass(frozen=True)
class KnowledgeSnapshot:
    articles: list[Article]  # id = str(KnowledgeArticle.pk)
    keys: list[tuple[str, str]]  # (anonymized example question, article id)
    slugs: dict[str, str]
    taken_at: datetime


def knowledge_snapshot(*, index_examples: bool = True) -> KnowledgeSnapshot:
    """Published articles, and (when asked) each example of an intent an article answers as a key."""
    taken_at = timezone.now()
    rows = list(KnowledgeArticle.objects.filter(published=True).prefetch_related("intents").order_by("pk"))
    articles = [Article(id=str(a.pk), title=a.title, body=a.body, url=a.url,
                        intents=tuple(sorted(i.name for i in a.intents.all()))) for a in rows]
    keys: list[tuple[str, str]] = []
    if index_examples:
        answered_by: dict[int, list[str]] = {}
        for a in rows:
            for intent in a.intents.all():
                if intent.name != OOS_INTENT:
                    answered_by.setdefault(intent.pk, []).append(str(a.pk))
        examples = TrainingExample.objects.filter(intent_id__in=answered_by).order_by("intent_id", "id").values_list("intent_id", "text")
        keys = [(text.strip(), aid) for intent_id, text in examples if text.strip() for aid in answered_by[intent_id]]
    return KnowledgeSnapshot(articles=articles, keys=keys, slugs={str(a.pk): a.slug for a in rows}, taken_at=taken_at)


def snapshot_check(snapshot: KnowledgeSnapshot) -> None:
    if not snapshot.articles:
        raise KnowledgeBaseUnusable("The knowledge base has no published articles, so there is nothing to index. "
                                    "The active index is unchanged.")
    empty = [snapshot.slugs[a.id] for a in snapshot.articles if not a.body.strip()]
    if empty:
        raise KnowledgeBaseUnusable(f"Published article(s) without text: {', '.join(empty)}. Add text or unpublish "
                                    "them. The active index is unchanged.")


def snapshot_hash(snapshot: KnowledgeSnapshot, config: Any, min_score: float) -> str:
    """Equal for equal content and options, so an unchanged knowledge base is not indexed again."""
    return sha256_of_records([
        ("articles", data_hash(snapshot.articles)),
        ("keys", sha256_of_records(snapshot.keys)),
        ("config", json.dumps(config.to_dict(), sort_keys=True)),
        ("min_score", repr(min_score)),
    ])
