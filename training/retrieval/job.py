"""An index build's body: snapshot the published articles (and the examples of the intents they
answer), build a FAISS index with ``training.ml.retrieval``, check it and register it.

An index is data rather than a model to review: a successful build is activated unless the run's
parameters say ``"activate": false`` (retrieval/kind.py). A build whose snapshot equals the active
version's is skipped.
"""

from __future__ import annotations

import enum
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings

from training.kinds import Progress, RunOutcome
from training.ml.retrieval import DEFAULT_MIN_SCORE, FORMAT_VERSION, RetrievalConfig, build_index
from training.ml.retrieval.encoder import encode
from training.models import ModelVersion, TrainingRun
from training.registry.versions import version_register
from training.retrieval.snapshot import KnowledgeSnapshot, knowledge_snapshot, snapshot_check, snapshot_hash
from training.serving.retriever import retriever_load

KIND = "retrieval_index"
# Relevance floors (minimum cosine similarity of the best hit), measured on held-out demo questions
# against off-topic ones by bench/retrieval/demo_platform.py (docs/benchmarks.md, retrieval section 6).
# Indexed example questions are short and match any short question better, so that index needs a
# higher floor than articles alone.
MIN_SCORE_ARTICLES_ONLY = DEFAULT_MIN_SCORE
MIN_SCORE_WITH_EXAMPLES = 0.475
# A hybrid index's floors read the fused relevance ((1 - w) x cosine + w x saturated BM25, with the
# default weights). With examples (the demo's index): chosen on the dev split of the held-out answer set
# by bench/retrieval/tune_heldout.py (0.36-0.41 tied; the middle). Articles only: not measured on the
# held-out set (the demo indexes its examples); scaled from the dense floors (0.39 x 0.33 / 0.475).
MIN_SCORE_HYBRID_ARTICLES_ONLY = 0.27
MIN_SCORE_HYBRID_WITH_EXAMPLES = 0.39
TITLE_CHECK_LIMIT = 200


class Trigger(enum.StrEnum):
    MANUAL = "manual"
    ARTICLE_CHANGE = "article_change"


def index_config(parameters: dict[str, Any]) -> RetrievalConfig:
    fields = set(RetrievalConfig.__dataclass_fields__)
    config = RetrievalConfig(**{k: v for k, v in parameters.items() if k in fields})
    if config.model is None:
        config.model = settings.RETRIEVAL_ENCODER  # None: the bundled MiniLM, resolved where it is loaded
    return config


def default_min_score(*, lexical: bool, keys: bool) -> float:
    if lexical:
        return MIN_SCORE_HYBRID_WITH_EXAMPLES if keys else MIN_SCORE_HYBRID_ARTICLES_ONLY
    return MIN_SCORE_WITH_EXAMPLES if keys else MIN_SCORE_ARTICLES_ONLY


def index_build(run: TrainingRun, folder: Path, progress: Progress) -> RunOutcome:
    params = run.parameters
    index_examples = params.get("index_examples", True)
    snapshot = knowledge_snapshot(index_examples=index_examples)
    snapshot_check(snapshot)
    config = index_config(params)
    min_score = params.get("min_score")
    if min_score is None:
        min_score = default_min_score(lexical=config.lexical, keys=bool(snapshot.keys))
    digest = snapshot_hash(snapshot, config, min_score)
    active = ModelVersion.objects.filter(kind=KIND, is_active=True).first()
    if active is not None and active.data_hash == digest and not params.get("force"):
        return RunOutcome(version=active, new=False, progress={"stage": "unchanged", "active_version": active.version})
    progress.stage("building")
    # A retried attempt starts clean: the folder of a lost attempt is incomplete.
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    artifact = build_index(snapshot.articles, folder, config, extra_keys=snapshot.keys)
    progress.stage("checking")
    metrics = {
        "articles": artifact.n_articles, "passages": artifact.n_passages, "keys": artifact.n_keys,
        "vectors": artifact.meta["counts"]["vectors"], "index_type": artifact.index_type,
        "build_seconds": artifact.build_seconds, "trigger": params.get("trigger", Trigger.MANUAL.value),
        "self_check": _title_check(folder, snapshot), "snapshot_at": snapshot.taken_at.isoformat(),
        "article_ids": [int(a.id) for a in snapshot.articles],
    }
    version = version_register(
        kind=KIND, artifact_path=folder, run=run, base_model=artifact.meta["model"],
        hyperparameters={**config.to_dict(), "index_examples": index_examples, "min_score": min_score},
        data_hash=digest, metrics=metrics, format_version=FORMAT_VERSION,
    )
    return RunOutcome(version=version, progress={"stage": "built"})


def _title_check(folder: Path, snapshot: KnowledgeSnapshot) -> dict[str, Any]:
    """A cheap sanity check of a fresh index: each article's title should find that article first."""
    retriever = retriever_load(folder)
    articles = snapshot.articles[:TITLE_CHECK_LIMIT]
    vectors = encode(retriever.encoder, [a.title for a in articles])
    found = sum(retriever.search_vector(v.reshape(1, -1), k=1, text=a.title)[0].article_id == a.id
                for v, a in zip(vectors, articles))
    return {"title_recall@1": round(found / len(articles), 4), "titles": len(articles)}
