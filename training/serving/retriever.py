"""The pipeline's Retriever over the active knowledge-base index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings

from conversations.bot.pipeline import Source, Turn
from conversations.models import KnowledgeArticle, Message
from training.kinds import ServedRow
from training.ml.common.batching import MicroBatcher
from training.ml.retrieval import DEFAULT_MIN_SCORE, RetrievalDataError, Retriever, read_artifact_meta
from training.ml.retrieval.encoder import encode, resolve_model
from training.ml.retrieval.retriever import combine_query_vectors

MAX_QUERY_CHARS = 2000


class ServedRetriever:
    """Search with the customer's text, their recent turns and (when RETRIEVAL_INTENT_BOOST > 0) the
    predicted intent; return the relevant passages (relevance at or above the version's floor), best
    first. An empty list hands off. Hybrid (dense + BM25) when the index has a lexical part."""

    def __init__(self, retriever: Any, version: int, *, min_score: float) -> None:
        self.retriever, self.version, self.min_score = retriever, version, float(min_score)
        # One thread runs the encoder (a fast tokenizer must not be used by two threads at once), and
        # messages that arrive together share one forward pass.
        self._embed = MicroBatcher(self._embed_batch)

    def _embed_batch(self, items: Sequence[tuple[str, tuple[str, ...], float]]) -> list[Any]:
        texts: list[str] = []
        spans: list[tuple[int, int, float]] = []
        for query, turns, weight in items:
            spans.append((len(texts), len(texts) + 1 + len(turns), weight))
            texts += [query, *turns]
        vectors = encode(self.retriever.encoder, texts)
        return [combine_query_vectors(vectors[a], vectors[a + 1:b], weight) for a, b, weight in spans]

    @property
    def index_type(self) -> str:
        return self.retriever.index_type

    def search(self, text: str, *, history: Sequence[str] = (), k: int | None = None, intent: str | None = None) -> list[Any]:
        """The best passage of each of the k best articles (training.ml.retrieval.Hit), relevant or not.

        Articles unpublished or deleted since the index was built are left out, and titles and URLs
        are the current ones: a stale index never cites what staff took down.
        """
        if not text.strip():
            raise RetrievalDataError("the query is empty")
        weight = settings.RETRIEVAL_HISTORY_WEIGHT
        turns = tuple(t for t in history if t.strip())[-settings.RETRIEVAL_HISTORY_TURNS:] if weight > 0 else ()
        query = self._embed((text, turns, weight))
        boost = settings.RETRIEVAL_INTENT_BOOST if intent else 0.0
        hits = self.retriever.search_vector(query, k=k or settings.RETRIEVAL_TOP_K, intent=intent, intent_boost=boost,
                                            text=text, history=turns, history_weight=weight)
        return live_hits(hits)

    def is_relevant(self, hit: Any) -> bool:
        return hit.relevance >= self.min_score

    def retrieve(self, *, text: str, history: list[Turn], intent: str | None) -> list[Source]:
        turns = [t.text for t in history if t.role == Message.Role.CUSTOMER]
        hits = [h for h in self.search(text, history=turns, intent=intent) if self.is_relevant(h)]
        return [Source(article_id=int(h.article_id), title=h.title, url=h.url, score=h.relevance, passage=h.passage)
                for h in hits]


def live_hits(hits: Sequence[Any]) -> list[Any]:
    ids = {int(h.article_id) for h in hits}
    current = {row["id"]: row for row in KnowledgeArticle.objects.filter(pk__in=ids, published=True).values("id", "title", "url")}
    return [replace(h, title=current[int(h.article_id)]["title"], url=current[int(h.article_id)]["url"])
            for h in hits if int(h.article_id) in current]


def retriever_load(path: str | Path) -> Any:
    """Load an index with its encoder as named when it was built (the bundled one resolved on this machine)."""
    meta = read_artifact_meta(path)
    return Retriever.load(path, model=resolve_model(meta.get("model_setting")))


def retriever_serve(row: ServedRow) -> ServedRetriever:
    retriever = retriever_load(row["artifact_path"])
    retriever.search("warm up", k=1)
    # An index built before floors were recorded on the version gets the articles-only floor.
    min_score = (row.get("hyperparameters") or {}).get("min_score", DEFAULT_MIN_SCORE)
    return ServedRetriever(retriever, row["version"], min_score=min_score)
