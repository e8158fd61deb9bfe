"""The knowledge-base index of the platform: snapshot the published articles (and the training
examples of the intents they answer) from the database, build a FAISS index with
``training.ml.retrieval``, register it as a RETRIEVAL_INDEX version and, by default, serve it.

An index is data rather than a model to review: a successful build is activated unless the run's
parameters say ``"activate": false``. A build whose snapshot equals the active version's is skipped.
"""

from __future__ import annotations

import enum
import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conversations.demo import OOS_INTENT
from conversations.errors import ChatError
from conversations.models import KnowledgeArticle, TrainingExample
from training import registry
from training.errors import KnowledgeBaseUnusable, TrainingRefused
from training.models import ModelKind, ModelVersion, TrainingRun
from training.runs import run_claim, run_fail, run_folder, run_still_mine, run_succeed

# Relevance floors (minimum cosine similarity of the best hit), measured on held-out demo questions
# against off-topic ones by bench/retrieval/demo_platform.py (docs/benchmarks.md, retrieval section 6).
# Indexed example questions are short and match any short question better, so that index needs a
# higher floor than articles alone (0.33 = training.ml.retrieval.DEFAULT_MIN_SCORE).
MIN_SCORE_ARTICLES_ONLY = 0.33
MIN_SCORE_WITH_EXAMPLES = 0.475
OPTIONS = {"activate", "force", "index_examples", "min_score", "trigger"}
TITLE_CHECK_LIMIT = 200


class Trigger(enum.StrEnum):
    MANUAL = "manual"
    ARTICLE_CHANGE = "article_change"


def index_parameters_clean(parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse bad index options before anything is queued."""
    from training.ml.retrieval import RetrievalConfig

    fields = set(RetrievalConfig.__dataclass_fields__)
    unknown = sorted(set(parameters) - fields - OPTIONS)
    if unknown:
        raise TrainingRefused(f"Unknown index option(s): {', '.join(unknown)}.")
    clean = dict(parameters)
    try:
        RetrievalConfig(**{k: v for k, v in clean.items() if k in fields}).validate()
    except (TypeError, ValueError) as exc:
        raise TrainingRefused(f"Invalid index options: {exc}") from None
    for name in ("activate", "force", "index_examples"):
        if not isinstance(clean.get(name, True), bool):
            raise TrainingRefused(f"Invalid index options: {name} must be true or false.")
    score = clean.get("min_score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1):
        raise TrainingRefused("Invalid index options: min_score must be a number between 0 and 1.")
    trigger = clean.setdefault("trigger", Trigger.MANUAL.value)
    if trigger not in set(Trigger):
        raise TrainingRefused(f"Invalid index options: trigger must be one of {', '.join(Trigger)}.")
    clean["activate"] = clean.get("activate", True)
    return clean


@dataclass(frozen=True)
class KnowledgeSnapshot:
    articles: list[Any]  # training.ml.retrieval.Article, id = str(KnowledgeArticle.pk)
    keys: list[tuple[str, str]]  # (anonymized example question, article id)
    slugs: dict[str, str]
    taken_at: datetime


def knowledge_snapshot(*, index_examples: bool = True) -> KnowledgeSnapshot:
    """Published articles, and (when asked) each example of an intent an article answers as a key.

    Training examples are anonymized when they enter the platform, so no personal data is indexed.
    """
    from training.ml.retrieval import Article

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


def _config(parameters: dict[str, Any]) -> Any:
    from training.ml.retrieval import RetrievalConfig

    fields = set(RetrievalConfig.__dataclass_fields__)
    config = RetrievalConfig(**{k: v for k, v in parameters.items() if k in fields})
    if config.model is None:
        config.model = settings.RETRIEVAL_ENCODER  # None: the bundled MiniLM, resolved where it is loaded
    return config


def _snapshot_hash(snapshot: KnowledgeSnapshot, config: Any, min_score: float) -> str:
    from training.ml.common.artifacts import sha256_of_records
    from training.ml.retrieval import data_hash

    return sha256_of_records([
        ("articles", data_hash(snapshot.articles)),
        ("keys", sha256_of_records(snapshot.keys)),
        ("config", json.dumps(config.to_dict(), sort_keys=True)),
        ("min_score", repr(min_score)),
    ])


def index_build_execute(*, run_id: int) -> ModelVersion | None:
    """Build, register and (by default) activate an index. A failure marks the run failed; serving is untouched.

    Returns the new version, the active version when the knowledge base has not changed since it was
    built (nothing is built), or None when the run failed or had already finished.
    """
    run = run_claim(run_id)
    if run is None:
        return None
    folder = run_folder(run, "retrieval_index")
    try:
        version, unchanged = _build_and_register(run, folder)
    except Exception as exc:
        run_fail(run, exc, folder=folder)
        return None
    if unchanged:
        run_succeed(run, None, progress={"stage": "unchanged", "active_version": version.version})
        return version
    run_succeed(run, version, progress={"stage": "built"})
    if run.parameters.get("activate", True):
        try:
            registry.version_activate(version=version, user=run.started_by)
        except ChatError as exc:
            TrainingRun.objects.filter(pk=run.pk).update(error=f"Built {version} but did not activate it: {exc.message}"[:4000])
    return version


def _build_and_register(run: TrainingRun, folder: Path) -> tuple[ModelVersion, bool]:
    from training.ml.retrieval import FORMAT_VERSION, build_index

    params = run.parameters
    index_examples = params.get("index_examples", True)
    snapshot = knowledge_snapshot(index_examples=index_examples)
    snapshot_check(snapshot)
    config = _config(params)
    min_score = params.get("min_score")
    if min_score is None:
        min_score = MIN_SCORE_WITH_EXAMPLES if snapshot.keys else MIN_SCORE_ARTICLES_ONLY
    digest = _snapshot_hash(snapshot, config, min_score)
    active = ModelVersion.objects.filter(kind=ModelKind.RETRIEVAL_INDEX, is_active=True).first()
    if active is not None and active.data_hash == digest and not params.get("force"):
        return active, True
    TrainingRun.objects.filter(pk=run.pk).update(progress={"stage": "building"})
    # A retried attempt starts clean: the folder of a lost attempt is incomplete.
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    artifact = build_index(snapshot.articles, folder, config, extra_keys=snapshot.keys)
    TrainingRun.objects.filter(pk=run.pk).update(progress={"stage": "checking"})
    metrics = {
        "articles": artifact.n_articles, "passages": artifact.n_passages, "keys": artifact.n_keys,
        "vectors": artifact.meta["counts"]["vectors"], "index_type": artifact.index_type,
        "build_seconds": artifact.build_seconds, "trigger": params.get("trigger", Trigger.MANUAL.value),
        "self_check": _title_check(folder, snapshot), "snapshot_at": snapshot.taken_at.isoformat(),
        "article_ids": [int(a.id) for a in snapshot.articles],
    }
    with transaction.atomic():
        run_still_mine(run)
        return ModelVersion.objects.create(
            kind=ModelKind.RETRIEVAL_INDEX,
            version=registry.next_version_number(ModelKind.RETRIEVAL_INDEX),
            base_model=artifact.meta["model"],
            hyperparameters={**config.to_dict(), "index_examples": index_examples, "min_score": min_score},
            data_hash=digest,
            metrics=metrics,
            artifact_path=str(folder),
            format_version=FORMAT_VERSION,
            created_by=run.started_by,
        ), False


def _title_check(folder: Path, snapshot: KnowledgeSnapshot) -> dict[str, Any]:
    """A cheap sanity check of a fresh index: each article's title should find that article first."""
    from training.ml.retrieval.encoder import encode

    retriever = retriever_load(folder)
    articles = snapshot.articles[:TITLE_CHECK_LIMIT]
    vectors = encode(retriever.encoder, [a.title for a in articles])
    found = sum(retriever.search_vector(v.reshape(1, -1), k=1)[0].article_id == a.id for v, a in zip(vectors, articles))
    return {"title_recall@1": round(found / len(articles), 4), "titles": len(articles)}


def retriever_load(path: str | Path) -> Any:
    """Load an index with its encoder as named when it was built (the bundled one resolved on this machine)."""
    from training.ml.retrieval import Retriever, read_artifact_meta
    from training.ml.retrieval.encoder import resolve_model

    meta = read_artifact_meta(path)
    return Retriever.load(path, model=resolve_model(meta.get("model_setting")))
