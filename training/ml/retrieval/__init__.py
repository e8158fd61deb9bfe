"""Knowledge-base retrieval for the grounded responder: split articles into passages, embed them
with a sentence-transformers model, index them in FAISS (exact for small collections, HNSW above a
measured size) and in BM25 (bm25s, with the title as a field), and return the best passage per
article for a customer question, ranked by the fused dense + lexical relevance (fusion.py).

Pure ML: no Django or Celery. faiss, numpy, torch and sentence-transformers are imported inside the
functions that need them, so importing this package is cheap.

    articles = load_articles("articles.json")               # or [Article(id, title, body, url, intents)]
    artifact = build_index(articles, "artifacts/kb-v1", RetrievalConfig())
    retriever = Retriever.load(artifact.path)
    hits = retriever.search("where is my card?", history=["I ordered a card"], k=5)
    answerable = relevant(hits)                              # [] -> hand off to a person
"""

from training.ml.common.errors import ArtifactError, BaseModelError
from training.ml.retrieval.artifact import ARTIFACT_KIND, FORMAT_VERSION, read_artifact_meta
from training.ml.retrieval.build import IndexArtifact, build_index
from training.ml.retrieval.config import AUTO_HNSW_THRESHOLD, RetrievalConfig
from training.ml.retrieval.data import Article, Passage, data_hash, load_articles, split_articles, validate_articles
from training.ml.retrieval.errors import RetrievalDataError
from training.ml.retrieval.retriever import (
    DEFAULT_HISTORY_TURNS,
    DEFAULT_HISTORY_WEIGHT,
    DEFAULT_MIN_SCORE,
    Hit,
    Retriever,
    relevant,
)

__all__ = [
    "ARTIFACT_KIND",
    "AUTO_HNSW_THRESHOLD",
    "DEFAULT_HISTORY_TURNS",
    "DEFAULT_HISTORY_WEIGHT",
    "DEFAULT_MIN_SCORE",
    "FORMAT_VERSION",
    "Article",
    "ArtifactError",
    "BaseModelError",
    "Hit",
    "IndexArtifact",
    "Passage",
    "RetrievalConfig",
    "RetrievalDataError",
    "Retriever",
    "build_index",
    "data_hash",
    "load_articles",
    "read_artifact_meta",
    "relevant",
    "split_articles",
    "validate_articles",
]
